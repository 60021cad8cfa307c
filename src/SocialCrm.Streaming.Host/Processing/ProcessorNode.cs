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
        Metrics = Host.Services.GetRequiredService<Observability.ProcessorMetrics>();
        Service = Host.Services.GetRequiredService<ProcessorService>();
    }

    public SocialCrmOptions Options { get; }
    public ProcessorTopics Topics { get; }
    public Microsoft.AspNetCore.Builder.WebApplication Host { get; }
    public PipelineStats Stats { get; }
    public Observability.ProcessorMetrics Metrics { get; }
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

    public Akka.Actor.ActorSystem ActorSystem => Host.Services.GetRequiredService<Akka.Actor.ActorSystem>();

    /// <summary>
    /// Dies as a killed process would, for tests of what the rest of the cluster recovers: the consumer goes
    /// without draining or committing, and the actor system stops without leaving the cluster or handing off
    /// its shards, so the other members see it unreachable until the split-brain resolver downs it.
    /// Call <see cref="DisposeAsync"/> afterwards as usual.
    /// </summary>
    public async Task CrashAsync()
    {
        await Service.AbandonAsync().ConfigureAwait(false);
        var system = (Akka.Actor.ExtendedActorSystem)ActorSystem;
        system.Abort();
        await system.WhenTerminated.ConfigureAwait(false);
        // The client's background thread would go on heartbeating for a dead process; closed (still without a
        // commit) it leaves the group as a killed process's connection would, rather than after the session timeout.
        var consumer = await Service.Consumer.ConfigureAwait(false);
        await consumer.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync().ConfigureAwait(false);
    }
}
