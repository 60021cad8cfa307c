using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Embedded;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>What one call to <see cref="BenchKafka.ProduceAsync"/> put into a topic.</summary>
public sealed record ProducedBatch(long Records, long PayloadBytes, TimeSpan Elapsed);

/// <summary>
/// The Kafka side of a benchmark run: the embedded mock cluster (3 brokers, the catalog's topics), one
/// producer configured as producers of mentions must be (<see cref="KafkaProducerFactory"/>), watermark
/// checks that catch the mock's silent pruning, and the broker's share of this process's memory.
/// </summary>
/// <remarks>
/// The librdkafka mock keeps at most 5 MiB or 100,000 batches per partition and drops the oldest beyond
/// that without telling anyone; every batch produced here is checked to be whole in the topic.
/// </remarks>
public sealed class BenchKafka : IDisposable
{
    /// <summary>
    /// The mock broker holds a fetch that finds no records for the whole fetch.wait.max.ms (librdkafka default
    /// 500 ms), even when records arrive meanwhile; a real broker answers as soon as they do. Every consumer of
    /// the benchmark waits at most this long, so the mock adds at most that much to a latency.
    /// </summary>
    public const string FetchWaitProperty = "fetch.wait.max.ms";
    public const string FetchWaitMs = "5";

    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMilliseconds(500);

    private readonly MockKafkaCluster _cluster;
    private readonly IConsumer<byte[]?, byte[]> _watermarks;
    /// <summary>Every topic created in the cluster, with its partitions.</summary>
    private readonly ConcurrentDictionary<string, int> _topics;

    private BenchKafka(MockKafkaCluster cluster, TopicCatalog catalog, ConcurrentDictionary<string, int> topics, long idleWorkingSetBytes)
    {
        _cluster = cluster;
        _topics = topics;
        Catalog = catalog;
        IdleWorkingSetBytes = idleWorkingSetBytes;
        Producer = KafkaProducerFactory.Create(cluster.BootstrapServers);
        _watermarks = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "socialcrm-bench-watermarks",
        }).Build();
    }

    public TopicCatalog Catalog { get; }
    public string BootstrapServers => _cluster.BootstrapServers;
    public int BrokerCount => _cluster.BrokerCount;
    public IProducer<byte[]?, byte[]> Producer { get; }

    /// <summary>What the process's working set grew by when the cluster started with the catalog's topics, before any record.</summary>
    public long IdleWorkingSetBytes { get; }

    public static BenchKafka Start(TopicCatalog catalog)
    {
        // The native library first: the node loads it too, so its pages are not the broker's share.
        _ = MockKafkaCluster.NativeLibraryPath;
        var before = HeapProbe.AfterFullCollection();
        var cluster = MockKafkaCluster.Start(3);
        var topics = new ConcurrentDictionary<string, int>();
        foreach (var topic in catalog.Topics)
        {
            CreateTopic(cluster, topics, topic.Name, topic.Partitions);
        }
        var after = HeapProbe.AfterFullCollection();
        return new BenchKafka(cluster, catalog, topics, Math.Max(0, after.WorkingSetBytes - before.WorkingSetBytes));
    }

    private static void CreateTopic(MockKafkaCluster cluster, ConcurrentDictionary<string, int> topics, string name, int partitions)
    {
        cluster.CreateTopic(name, partitions);
        topics[name] = partitions;
    }

    /// <summary>The catalog's topics, but fresh input topics (mentions and the co-partitioned profiles) named after <paramref name="run"/>.</summary>
    public ProcessorTopics TopicsFor(string run)
    {
        var topics = ProcessorNode.TopicsOf(Catalog);
        var mentions = $"{topics.Mentions}.bench-{run}";
        var profiles = $"{topics.Profiles}.bench-{run}";
        CreateTopic(_cluster, _topics, mentions, topics.MentionPartitions);
        CreateTopic(_cluster, _topics, profiles, topics.MentionPartitions);
        return topics with { Mentions = mentions, Profiles = profiles };
    }

    /// <summary>
    /// Produces <paramref name="count"/> generated records as fast as the cluster takes them and checks that
    /// every one was delivered and is still in the topic; throws otherwise.
    /// </summary>
    public async Task<ProducedBatch> ProduceAsync(ProcessorTopics topics, Func<GeneratedRecord> next, long count, CancellationToken cancellationToken)
    {
        var before = Watermarks(topics);
        long bytes = 0;
        var records = new RecordProducer(Producer, topics.Mentions);
        var clock = Stopwatch.StartNew();
        await Task.Run(() => records.RunAsync(() =>
        {
            var record = next();
            bytes += record.Value.Length;
            return record;
        }, 0, count, cancellationToken), cancellationToken).ConfigureAwait(false);
        clock.Stop();
        cancellationToken.ThrowIfCancellationRequested();
        if (records.Produced != count || records.Failed != 0)
        {
            throw new InvalidOperationException($"producing to {topics.Mentions}: {records.Produced:N0} of {count:N0} delivered, {records.Failed:N0} failed");
        }
        var after = Watermarks(topics);
        var appended = after.Zip(before, (a, b) => a.High.Value - b.High.Value).Sum();
        var pruned = after.Zip(before, (a, b) => Math.Max(0, a.Low.Value - b.High.Value)).Sum();
        if (appended != count || pruned > 0)
        {
            throw new InvalidOperationException(
                $"the mock cluster holds {appended - pruned:N0} of the {count:N0} records just produced to {topics.Mentions} " +
                "(it keeps at most 5 MiB or 100,000 batches per partition and drops the oldest): produce fewer at once");
        }
        return new ProducedBatch(count, bytes, clock.Elapsed);
    }

    /// <summary>
    /// Deletes the mentions a run has consumed, as a broker's retention would: the embedded broker lives in this
    /// process, and what it keeps would otherwise be counted in the node's working set.
    /// </summary>
    public void DropConsumed(ProcessorTopics topics) => DropRecords(topics.Mentions, topics.MentionPartitions);

    /// <summary>
    /// Until <paramref name="stop"/>, deletes every <see cref="PruneInterval"/> the mentions that all of
    /// <paramref name="readers"/> have read, as a broker's retention would. The mock broker finds a fetch's offset by
    /// walking the partition's batches from the oldest, so a log that grows through a 30 s latency run slowed every fetch
    /// of both loops as it grew (raw loop p99 at 5,000/s: 10-30 ms over 2-6 s, about 200 ms over 20-30 s), where a real
    /// broker looks the offset up in its index.
    /// </summary>
    public async Task PruneReadAsync(ProcessorTopics topics, IReadOnlyList<LatencyRecorder> readers, CancellationToken stop)
    {
        var pruned = new long[topics.MentionPartitions];
        using var timer = new PeriodicTimer(PruneInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                for (var partition = 0; partition < pruned.Length; partition++)
                {
                    var readByAll = readers.Min(reader => reader.ReadBelow(partition));
                    if (readByAll > pruned[partition])
                    {
                        _cluster.DeleteRecordsBefore(topics.Mentions, partition, readByAll);
                        pruned[partition] = readByAll;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over: what is left is dropped with the rest at the next phase.
        }
    }

    /// <summary>
    /// The memory the broker's records take: the C heap bytes in use at <paramref name="withRecords"/> (read now) minus
    /// those once every record of every topic is deleted; the working sets' difference where the C heap is not counted.
    /// Not the working sets' difference everywhere: with a large managed heap, the collector's own growth or shrinking
    /// between the readings blurs it. Only for the end of a phase: downstream topics lose their records too.
    /// </summary>
    public long RecordsBytes(MemoryReading withRecords)
    {
        foreach (var (topic, partitions) in _topics)
        {
            DropRecords(topic, partitions);
        }
        var without = HeapProbe.AfterFullCollection();
        return Math.Max(0, withRecords.NativeHeapBytes is { } before && without.NativeHeapBytes is { } after
            ? before - after
            : withRecords.WorkingSetBytes - without.WorkingSetBytes);
    }

    private void DropRecords(string topic, int partitions)
    {
        var ends = Watermarks(topic, partitions);
        for (var partition = 0; partition < ends.Length; partition++)
        {
            _cluster.DeleteRecordsBefore(topic, partition, ends[partition].High.Value);
        }
    }

    /// <summary>Records of the mentions topic above the offsets <paramref name="groupId"/> committed.</summary>
    public long UncommittedRecords(ProcessorTopics topics, string groupId)
    {
        using var group = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = groupId }).Build();
        var partitions = Enumerable.Range(0, topics.MentionPartitions).Select(partition => new TopicPartition(topics.Mentions, partition)).ToList();
        var committed = group.Committed(partitions, QueryTimeout).ToDictionary(c => c.Partition.Value, c => c.Offset.IsSpecial ? 0 : c.Offset.Value);
        return Watermarks(topics).Select((watermarks, partition) => watermarks.High.Value - committed.GetValueOrDefault(partition)).Sum();
    }

    private WatermarkOffsets[] Watermarks(ProcessorTopics topics) => Watermarks(topics.Mentions, topics.MentionPartitions);

    private WatermarkOffsets[] Watermarks(string topic, int partitions) =>
        [.. Enumerable.Range(0, partitions).Select(partition => _watermarks.QueryWatermarkOffsets(new TopicPartition(topic, partition), QueryTimeout))];

    public void Dispose()
    {
        _watermarks.Dispose();
        Producer.Dispose();
        _cluster.Dispose();
    }
}
