using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Rules;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>One processor node built from configuration: what `run`, `demo` and the tests start.</summary>
public sealed class ProcessorNode : IAsyncDisposable
{
    public ProcessorNode(
        SocialCrmOptions options, ProcessorTopics topics, RulesOptions rules,
        IConfiguration? logging = null, Action<ILoggingBuilder>? configureLogging = null, RulesSource? rulesSource = null)
    {
        Options = options;
        Topics = topics;
        Rules = new LiveRules(rules);
        Host = ProcessorHost.Build(options, topics, new CustomerModel(Rules), logging, configureLogging);
        Stats = Host.Services.GetRequiredService<PipelineStats>();
        Metrics = Host.Services.GetRequiredService<Observability.ProcessorMetrics>();
        Service = Host.Services.GetRequiredService<ProcessorService>();
        var rulesMetrics = new Observability.RulesMetrics(Metrics.Registry, Rules.Current.Version);
        if (rulesSource is not null)
        {
            var logger = Host.Services.GetRequiredService<ILoggerFactory>().CreateLogger<RulesReloader>();
            RulesReloader = new RulesReloader(rulesSource, Rules, rulesMetrics, logger);
        }
    }

    /// <summary>The rules the node applies now (replaced by <see cref="RulesReloader"/> when its settings file changes).</summary>
    public LiveRules Rules { get; }

    /// <summary>Watches the settings file while the node runs; null when the node was built without one.</summary>
    public RulesReloader? RulesReloader { get; }

    public SocialCrmOptions Options { get; }
    public ProcessorTopics Topics { get; }
    public Microsoft.AspNetCore.Builder.WebApplication Host { get; }
    public PipelineStats Stats { get; }
    public Observability.ProcessorMetrics Metrics { get; }
    public ProcessorService Service { get; }

    /// <summary>
    /// Binds and validates every section, and checks that the node's fixed ports are free; throws
    /// <see cref="ConfigurationException"/> naming each bad setting.
    /// </summary>
    /// <param name="rulesSource">When given, the node applies changes of its Rules section while it runs.</param>
    public static ProcessorNode FromConfiguration(IConfiguration configuration, TopicCatalog? catalog = null, Action<ILoggingBuilder>? configureLogging = null,
        RulesSource? rulesSource = null)
    {
        var options = ConfigurationLoader.Bind(configuration);
        var rules = RulesConfiguration.Bind(configuration);
        catalog ??= TopicCatalog.LoadDefault();
        if (OptionsValidator.ValidateAgainstTopics(options, catalog) is { Count: > 0 } errors)
        {
            throw new ConfigurationException(errors);
        }
        ListeningPorts.RequireFree(ListeningPorts.OfNode(options));
        return new ProcessorNode(options, TopicsOf(catalog), rules, configuration.GetSection("Logging"), configureLogging, rulesSource);
    }

    public static ProcessorTopics TopicsOf(TopicCatalog catalog) => new(
        catalog.Mentions.Name,
        catalog.Mentions.Partitions,
        catalog.Profiles.Name,
        catalog.DeadLetter.Name,
        catalog.CrisisAlerts.Name,
        catalog.LifecycleTriggers.Name,
        catalog.Erasures.Name);

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await Host.StartAsync(cancellationToken).ConfigureAwait(false);
        RulesReloader?.Start();
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => Host.StopAsync(cancellationToken);

    /// <summary>
    /// How long leaving the cluster may take after the processor's deadline (<c>Kafka:DrainTimeout</c>): a stop always
    /// ends within the two, whatever state Kafka, Redis and the other members are in.
    /// </summary>
    public static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Cancelled when the node stops itself: consumption ended by itself, or the actor system terminated (this node was downed).</summary>
    public CancellationToken StoppedItself => Host.Lifetime.ApplicationStopping;

    /// <summary>Runs until <paramref name="stop"/> (SIGTERM, Ctrl+C) or until the node stops itself, then stops within the deadline.</summary>
    public async Task<NodeExit> RunUntilStoppedAsync(CancellationToken stop)
    {
        await StartAsync(CancellationToken.None).ConfigureAwait(false);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, StoppedItself);
        await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        return await StopWithinDeadlineAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the processor (drain, commit, leave the group: within <c>Kafka:DrainTimeout</c>), then leaves the
    /// cluster (within <see cref="LeaveTimeout"/> more). What does not finish in time is left behind: the process
    /// may exit, and the next owner replays from the last commit.
    /// </summary>
    public async Task<NodeExit> StopWithinDeadlineAsync()
    {
        var logger = Host.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ProcessorNode>();
        var limit = Options.Kafka.DrainTimeout + LeaveTimeout;
        var stopping = StopAsync(CancellationToken.None);
        var stopped = await Task.WhenAny(stopping, Task.Delay(limit)).ConfigureAwait(false) == stopping;
        if (stopping.IsFaulted)
        {
            logger.LogError(stopping.Exception.GetBaseException(), "Stopping the node failed");
        }
        var exit = Service.Failure is not null ? NodeExit.Failed
            : stopped && !stopping.IsFaulted && Service.Drained ? NodeExit.Drained
            : NodeExit.Abandoned;
        if (!stopped)
        {
            _stopTimedOut = true;
            logger.LogError("The node did not stop within {Limit} (Kafka:DrainTimeout plus {Leave} to leave the cluster); exiting without it", limit, LeaveTimeout);
        }
        else if (exit == NodeExit.Abandoned)
        {
            logger.LogWarning("Stopped with work abandoned: the next owner replays it from the last commit");
        }
        return exit;
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
        if (RulesReloader is not null)
        {
            await RulesReloader.DisposeAsync().ConfigureAwait(false);
        }
        if (_stopTimedOut)
        {
            // Whatever did not stop would not dispose either: the process exits without it.
            return;
        }
        // A client blocked on an unreachable server must not hold the process: disposing is bounded as stopping is.
        var disposing = Host.DisposeAsync().AsTask();
        await Task.WhenAny(disposing, Task.Delay(DisposeTimeout)).ConfigureAwait(false);
    }

    private bool _stopTimedOut;

    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(2);
}

/// <summary>How a node's run ended.</summary>
public enum NodeExit
{
    /// <summary>Stopped on request with every record done, the offsets committed and the cluster left.</summary>
    Drained,
    /// <summary>Stopped on request, but something was not done by the deadline (the next owner replays it).</summary>
    Abandoned,
    /// <summary>Stopped by itself: consumption ended without a request (see the log for why).</summary>
    Failed,
}
