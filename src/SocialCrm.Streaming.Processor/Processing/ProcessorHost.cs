using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster;
using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Observability;
using SocialCrm.Streaming.Host.Privacy;
using Prometheus;
using SocialCrm.Streaming.Kafka;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Redis.Connection;
using SocialCrm.Streaming.Redis.State;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>The topics one processor node reads and writes, from topology/topics.json.</summary>
public sealed record ProcessorTopics(
    string Mentions, int MentionPartitions, string Profiles, string DeadLetter, string CrisisAlerts, string LifecycleTriggers, string Erasures);

/// <summary>The composition root of one processor node: the only place that wires adapters, cluster and domain together.</summary>
public static class ProcessorHost
{
    public const string ActorSystemName = "socialcrm";

    public static WebApplication Build(
        SocialCrmOptions options, ProcessorTopics topics, CustomerModel model,
        IConfiguration? logging = null, Action<ILoggingBuilder>? configureLogging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "socialcrm" });
        // Configuration is loaded once by the command (file, environment, flags); the web host reads none of its own.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        // Metrics and health: on all interfaces at the configured port; port 0 = an ephemeral loopback port (tests, several nodes in one process).
        builder.WebHost.UseUrls(options.Metrics.Port > 0 ? $"http://0.0.0.0:{options.Metrics.Port}" : "http://127.0.0.1:0");
        // Logging:Console:FormatterName=json (flag --log-format json): one JSON object per line, for log collectors.
        if (string.Equals(logging?["Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(console =>
            {
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            });
        }
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Akka", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (logging is not null)
        {
            builder.Logging.AddConfiguration(logging);
        }
        configureLogging?.Invoke(builder.Logging);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(new PipelineStats());
        var metrics = new ProcessorMetrics(topics);
        services.AddSingleton(metrics);
        // Start even while Redis is down (writes are retried and consumption waits for them); a refused password or certificate stops start-up.
        services.AddSingleton<IConnectionMultiplexer>(_ => RedisPermissions.Verified(
            RedisConnector.Connect(options.Redis.ConnectionSettings()), options.Redis.KeyPrefix, options.Redis.ConnectionSettings()));
        services.AddSingleton<ICustomerStore>(sp => new MeasuredCustomerStore(
            new RedisCustomerStore(sp.GetRequiredService<IConnectionMultiplexer>(), options.Redis, metrics.FlushCallWritten,
                ReplacedKeyLog(sp.GetRequiredService<ILogger<RedisCustomerStore>>())), metrics));
        services.AddSingleton(sp => new PartitionFences(
            new RedisPartitionEpochs(sp.GetRequiredService<IConnectionMultiplexer>(), options.Redis).ClaimAsync, topics.MentionPartitions));
        services.AddSingleton(sp => KafkaClientSettings.CreateProducer(options.Kafka,
            new KafkaClientLog(sp.GetRequiredService<ILogger<KafkaClientLog>>(), "producer", new LogThrottle(TimeSpan.FromMinutes(1)).ShouldLog)));
        // The command owns SIGTERM and Ctrl+C and stops the node within one deadline (ProcessorNode.RunUntilStoppedAsync);
        // the host's console lifetime would stop it as well, and set the exit code behind the command's back.
        services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
        services.AddSingleton<ISignalPublisher>(sp => new MeasuredSignalPublisher(
            new KafkaSignalPublisher(sp.GetRequiredService<IProducer<byte[]?, byte[]>>(), topics.CrisisAlerts, topics.LifecycleTriggers), metrics));
        services.AddSingleton(sp => new DeadLetterPublisher(sp.GetRequiredService<IProducer<byte[]?, byte[]>>(), topics.DeadLetter));
        services.AddSingleton<IBrandRegistry>(sp => new RedisBrandRegistry(sp.GetRequiredService<IConnectionMultiplexer>(), options.Redis,
            ReplacedKeyLog(sp.GetRequiredService<ILogger<RedisBrandRegistry>>())));
        var pseudonyms = options.Privacy.CreatePseudonymizer();
        services.AddSingleton(pseudonyms);
        services.AddRedaction(redaction => redaction.SetRedactor<EntityIdRedactor>(PrivacyClassifications.EntityId));

        var seeds = SeedNodeList.Parse(options.Cluster.SeedNodes)
            .Select(seed => $"{ClusterRemoting.Protocol(options.Cluster)}://{ActorSystemName}@{seed}")
            .ToArray();
        KubernetesBootstrap.RequireKubernetesApi(options.Cluster);
        var remoting = ClusterRemoting.Options(options.Cluster);
        services.AddAkka(ActorSystemName, (akka, sp) =>
        {
            var dependencies = new CustomerEntityDependencies(
                model,
                sp.GetRequiredService<ICustomerStore>(),
                sp.GetRequiredService<ISignalPublisher>(),
                new KafkaErasurePublisher(sp.GetRequiredService<IProducer<byte[]?, byte[]>>(), topics.Erasures))
            {
                Metrics = metrics,
                RefusedAttempts = options.Pipeline.EntityFailureAttempts,
                Pseudonyms = pseudonyms,
                FenceOf = sp.GetRequiredService<PartitionFences>().FenceOf,
            };
            akka.ConfigureLoggers(loggers => loggers.AddLoggerFactory())
                .WithRemoting(remoting)
                .WithClustering(new ClusterOptions
                {
                    SeedNodes = seeds,
                    SplitBrainResolver = new KeepMajorityOption(),
                })
                .AddHocon($"akka.cluster.split-brain-resolver.stable-after = {(long)options.Cluster.DownUnreachableAfter.TotalMilliseconds}ms", HoconAddMode.Prepend)
                // A hand-off from a node that died mid-rebalance blocks its shard this long (60 s by default). Shorter is
                // safe: a late write of the old customer incarnation is refused by its flush version, and brand state is reloaded.
                .AddHocon("akka.cluster.sharding.handoff-timeout = 10s", HoconAddMode.Prepend)
                // Coordinated shutdown (leaving the cluster) runs when the host stops, after the processor has drained and
                // committed; on the CLR's exit hook it would run in parallel with the drain and take sharding away under it.
                .AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend)
                .AddClusterSerialization()
                .WithKubernetesBootstrap(options.Cluster) // only with Cluster:Bootstrap:Enabled
                .AddCustomerShardRegion(topics.MentionPartitions, dependencies, options.Cluster.PassivateIdleAfter)
                .AddBrandMonitorShardRegion(topics.MentionPartitions, options.Cluster.PassivateIdleAfter, new BrandMonitorDependencies(
                    model.Rules,
                    sp.GetRequiredService<ICustomerStore>(),
                    sp.GetRequiredService<ISignalPublisher>())
                {
                    Metrics = metrics,
                })
                .AddStartup((system, _) =>
                {
                    if (seeds.Length == 0 && !options.Cluster.Bootstrap.Enabled)
                    {
                        // No seed nodes and no bootstrap: a cluster of one, which joins itself.
                        var cluster = Akka.Cluster.Cluster.Get(system);
                        cluster.Join(cluster.SelfAddress);
                    }
                });
        });
        // Registered after Akka, so it stops (drains and commits) before the actor system does.
        services.AddSingleton(sp => new ProcessorService(
            sp.GetRequiredService<Akka.Actor.ActorSystem>(),
            sp.GetRequiredService<IRequiredActor<CustomerRegion>>(),
            sp.GetRequiredService<IRequiredActor<BrandRegion>>(),
            options,
            topics,
            sp.GetRequiredService<DeadLetterPublisher>(),
            sp.GetRequiredService<IBrandRegistry>(),
            sp.GetRequiredService<PipelineStats>(),
            metrics,
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IRedactorProvider>(),
            pseudonyms,
            sp.GetRequiredService<PartitionFences>()));
        services.AddHostedService(sp => sp.GetRequiredService<ProcessorService>());
        services.AddHostedService(sp => new RedisEvictionWarning(options.Redis.ConnectionSettings(), sp.GetRequiredService<ILogger<RedisEvictionWarning>>()));
        services.AddHostedService(sp => new PartitionCountWarning(options.Kafka, topics, sp.GetRequiredService<ILogger<PartitionCountWarning>>()));

        var app = builder.Build();
        if (options.Privacy.PseudonymKey.Length == 0)
        {
            app.Logger.LogWarning("Privacy:PseudonymKey is not set: entity ids in logs are pseudonymised with a key made for this process, "
                + "so lines of other nodes and restarts do not correlate (topology/privacy.md)");
        }
        metrics.Observe(app.Services.GetRequiredService<PipelineStats>(), app.Services.GetRequiredService<ProcessorService>(),
            app.Services.GetRequiredService<Akka.Actor.ActorSystem>());
        app.MapMetrics("/metrics", metrics.Registry);
        app.MapHealth(new NodeHealth(app.Services.GetRequiredService<Akka.Actor.ActorSystem>(), app.Services.GetRequiredService<ProcessorService>(),
            app.Services.GetRequiredService<IConnectionMultiplexer>(), options.Health, topics.MentionPartitions));
        return app;
    }

    /// <summary>A key of the processor's that held what it never writes there, replaced: what another hand put there is gone, which an operator should hear of.</summary>
    private static Action<string> ReplacedKeyLog(ILogger logger) => key => logger.LogError(
        "Redis key {Key} held what the processor never writes there (a value of another type, or a fence no claim wrote): "
        + "replaced, its former value is lost (topology/redis-keys.md)", key);
}

/// <summary>A host lifetime that leaves signals alone: the command that runs the node decides when and how it stops.</summary>
internal sealed class CommandOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
