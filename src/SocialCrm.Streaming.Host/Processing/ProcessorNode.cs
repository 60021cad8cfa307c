using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>One processor node built from configuration: what `run`, `demo` and the tests start.</summary>
public sealed class ProcessorNode : IAsyncDisposable
{
    public ProcessorNode(
        SocialCrmOptions options, ProcessorTopics topics, RulesOptions rules,
        IConfiguration? logging = null, Action<ILoggingBuilder>? configureLogging = null)
    {
        Options = options;
        Topics = topics;
        Host = ProcessorHost.Build(options, topics, new CustomerModel(new EngagementEngine(rules)), rules, logging, configureLogging);
        Stats = Host.Services.GetRequiredService<PipelineStats>();
        Service = Host.Services.GetRequiredService<ProcessorService>();
    }

    public SocialCrmOptions Options { get; }
    public ProcessorTopics Topics { get; }
    public Microsoft.AspNetCore.Builder.WebApplication Host { get; }
    public PipelineStats Stats { get; }
    public ProcessorService Service { get; }

    /// <summary>Binds and validates every section; throws <see cref="ConfigurationException"/> naming each bad setting.</summary>
    public static ProcessorNode FromConfiguration(IConfiguration configuration, TopicCatalog? catalog = null, Action<ILoggingBuilder>? configureLogging = null)
    {
        var options = ConfigurationLoader.Bind(configuration);
        var rules = RulesConfiguration.Bind(configuration);
        return new ProcessorNode(options, TopicsOf(catalog ?? TopicCatalog.LoadDefault()), rules, configuration.GetSection("Logging"), configureLogging);
    }

    public static ProcessorTopics TopicsOf(TopicCatalog catalog) => new(
        catalog.Mentions.Name,
        catalog.Mentions.Partitions,
        catalog.Profiles.Name,
        catalog.DeadLetter.Name,
        catalog.CrisisAlerts.Name,
        catalog.LifecycleTriggers.Name);

    public Task StartAsync(CancellationToken cancellationToken = default) => Host.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => Host.StopAsync(cancellationToken);

    public async Task RunUntilStoppedAsync(CancellationToken stop)
    {
        await StartAsync(stop).ConfigureAwait(false);
        await Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync().ConfigureAwait(false);
    }
}
