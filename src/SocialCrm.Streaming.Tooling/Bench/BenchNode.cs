using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Observability;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// A processor node as <c>run</c> builds it (appsettings.json defaults, the full pipeline) on the benchmark's
/// Kafka and Redis, with its own input topics, consumer group and Redis key prefix, and the measurements
/// taken of it: records done, throughput windows, active entities.
/// </summary>
public sealed class BenchNode : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    private BenchNode(ProcessorNode node, KafkaConsumerLoop consumer)
    {
        Node = node;
        Consumer = consumer;
        Metrics = node.Host.Services.GetRequiredService<ProcessorMetrics>();
    }

    public ProcessorNode Node { get; }
    public KafkaConsumerLoop Consumer { get; }
    public ProcessorMetrics Metrics { get; }
    public ProcessorTopics Topics => Node.Topics;

    /// <summary>Mention records whose effects are written (or that are dead-lettered).</summary>
    public long Done => Node.Stats.Processed + Node.Stats.DeadLettered;

    public long ActiveCustomerEntities => Metrics.ActiveEntities(CustomerShardingExtensions.TypeName);

    /// <summary>Starts a node on <paramref name="topics"/> and waits until it owns every input partition.</summary>
    public static async Task<BenchNode> StartAsync(
        BenchKafka kafka, BenchRedis redis, ProcessorTopics topics, string keyPrefix, TimeSpan? passivateIdleAfter, CancellationToken cancellationToken)
    {
        var configuration = ConfigurationLoader.Build(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka:GroupId"] = "socialcrm-" + keyPrefix,
            ["Redis:Configuration"] = redis.ConnectionString,
            ["Redis:KeyPrefix"] = keyPrefix,
            ["Cluster:Hostname"] = "127.0.0.1",
            ["Cluster:Port"] = "0",
            ["Cluster:SeedNodes"] = "",
            ["Cluster:PassivateIdleAfter"] = passivateIdleAfter?.ToString("c", CultureInfo.InvariantCulture),
            ["Metrics:Port"] = "0",
            [$"Kafka:Properties:{BenchKafka.FetchWaitProperty}"] = BenchKafka.FetchWaitMs,
        });
        var node = new ProcessorNode(ConfigurationLoader.Bind(configuration), topics, RulesConfiguration.Bind(configuration),
            logging: null, configureLogging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        try
        {
            await node.StartAsync(cancellationToken).ConfigureAwait(false);
            var consumer = await node.Service.Consumer.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            // Mentions and profiles, every partition of each: a cluster of one owns them all.
            await WaitUntilAsync(() => consumer.AssignedPartitions.Count == 2 * topics.MentionPartitions, TimeSpan.FromSeconds(60),
                () => $"the node was assigned {consumer.AssignedPartitions.Count} of {2 * topics.MentionPartitions} partitions", cancellationToken).ConfigureAwait(false);
            return new BenchNode(node, consumer);
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits for the records already in the input topic and times them, from the first one consumed to the
    /// last one done.
    /// </summary>
    public async Task<ThroughputSample> MeasureBacklogAsync(long records, CostMeter cost, CancellationToken cancellationToken)
    {
        await WaitUntilAsync(() => Consumer.Consumed > 0, TimeSpan.FromSeconds(60), () => "the node consumed nothing", cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        cost.Resume();
        await WaitUntilDoneAsync(records, cancellationToken).ConfigureAwait(false);
        cost.Pause();
        return new ThroughputSample(records, clock.Elapsed);
    }

    /// <summary>
    /// Feeds <paramref name="count"/> generated mentions in rounds the mock cluster can hold, each produced
    /// whole and then processed whole. Timed are only the stretches after a round is produced until it is done,
    /// so the producer's CPU is not charged to the pipeline; <paramref name="cost"/> runs over the same stretches.
    /// </summary>
    public async Task<ThroughputSample> FeedAsync(
        BenchKafka kafka, Func<GeneratedRecord> next, long count, long roundSize, CostMeter cost, CancellationToken cancellationToken)
    {
        var doneAtStart = Done;
        long fed = 0, timedRecords = 0;
        var timed = TimeSpan.Zero;
        while (fed < count)
        {
            var round = Math.Min(roundSize, count - fed);
            await kafka.ProduceAsync(Topics, next, round, cancellationToken).ConfigureAwait(false);
            fed += round;
            var doneBefore = Done;
            var clock = Stopwatch.StartNew();
            cost.Resume();
            await WaitUntilDoneAsync(doneAtStart + fed, cancellationToken).ConfigureAwait(false);
            cost.Pause();
            timed += clock.Elapsed;
            timedRecords += Done - doneBefore;
        }
        return new ThroughputSample(timedRecords, timed);
    }

    /// <summary>
    /// Waits until exactly <paramref name="target"/> records are done; throws when processing stalls for a
    /// minute or more records are done than were produced (a record processed twice).
    /// </summary>
    public async Task WaitUntilDoneAsync(long target, CancellationToken cancellationToken)
    {
        var stalled = Stopwatch.StartNew();
        var last = Done;
        while (Done < target)
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            if (Done != last)
            {
                last = Done;
                stalled.Restart();
            }
            else if (stalled.Elapsed > StallTimeout)
            {
                throw new TimeoutException($"processing stalled at {Done:N0} of {target:N0} records done (nothing for {StallTimeout.TotalSeconds:N0} s)");
            }
        }
        if (Done != target)
        {
            throw new InvalidOperationException($"{Done:N0} records done, but {target:N0} were produced");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(failure());
            }
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the node as <c>run</c> does on shutdown (drain, commit, leave the group), then checks that its group committed every record of the topic.</summary>
    public async Task StopAsync(BenchKafka kafka)
    {
        await Node.StopAsync(CancellationToken.None).ConfigureAwait(false);
        var uncommitted = kafka.UncommittedRecords(Topics, Node.Options.Kafka.GroupId);
        if (uncommitted != 0)
        {
            throw new InvalidOperationException($"{uncommitted:N0} records of {Topics.Mentions} are not committed after the node stopped");
        }
        kafka.DropConsumed(Topics);
    }

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
