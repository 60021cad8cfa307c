using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Kafka.Embedded;

namespace SocialCrm.Streaming.Testing;

/// <summary>One record read back from a topic.</summary>
public sealed record TopicRecord(
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[] Value,
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers,
    DateTime TimestampUtc)
{
    public string? KeyString => Key is null ? null : Encoding.UTF8.GetString(Key);

    public string ValueString => Encoding.UTF8.GetString(Value);

    /// <summary>The last header named <paramref name="name"/> as UTF-8, or null.</summary>
    public string? Header(string name)
    {
        for (var i = Headers.Count - 1; i >= 0; i--)
        {
            if (Headers[i].Key == name)
            {
                return Headers[i].Value is null ? null : Encoding.UTF8.GetString(Headers[i].Value);
            }
        }

        return null;
    }
}

/// <summary>
/// xunit fixture (IClassFixture / ICollectionFixture, or just <c>new</c> + Dispose for a private
/// cluster in fault tests) around a <see cref="MockKafkaCluster"/> with 3 brokers, plus helpers
/// to create topics, produce, read back and inspect offsets. Thread-safe.
/// </summary>
/// <remarks>
/// Shared fixtures: use <see cref="UniqueTopic"/> and unique group ids so tests don't see each
/// other's data, and don't inject faults (broker down, errors, RTT) into a shared cluster — the
/// errors pushed with PushRequestErrors hit whichever client sends the next matching request.
/// </remarks>
public sealed class MockKafkaFixture : IDisposable
{
    private static int _sequence;
    private readonly Lazy<IProducer<byte[]?, byte[]>> _producer;

    /// <summary>A 3-broker cluster (the constructor xunit uses).</summary>
    public MockKafkaFixture() : this(3)
    {
    }

    private MockKafkaFixture(int brokers)
    {
        Cluster = MockKafkaCluster.Start(brokers);
        _producer = new Lazy<IProducer<byte[]?, byte[]>>(
            () => new ProducerBuilder<byte[]?, byte[]>(ProducerConfig()).SetLogHandler(static (_, _) => { }).SetErrorHandler(static (_, _) => { }).Build(),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>A fixture over its own cluster of <paramref name="brokers"/> brokers (dispose it).
    /// (xunit fixtures may have one public constructor only, hence a factory.)</summary>
    public static MockKafkaFixture WithBrokers(int brokers) => new(brokers);

    public MockKafkaCluster Cluster { get; }

    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>"{prefix}-{n}-{random}": unique per call within and across runs.</summary>
    public static string UniqueTopic(string prefix = "t") =>
        $"{prefix}-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Unique consumer group id.</summary>
    public static string UniqueGroup(string prefix = "g") => UniqueTopic(prefix);

    /// <summary>Creates the topic (replication factor 1) and returns its name.</summary>
    public string CreateTopic(string name, int partitions)
    {
        Cluster.CreateTopic(name, partitions);
        return name;
    }

    /// <summary>Creates a topic with a unique name and returns the name.</summary>
    public string CreateUniqueTopic(string prefix, int partitions) => CreateTopic(UniqueTopic(prefix), partitions);

    /// <summary>
    /// Producer settings for this cluster: murmur2_random partitioner (DESIGN: shards follow the
    /// Java default partitioner), acks=all, idempotence on, linger 2 ms.
    /// </summary>
    public ProducerConfig ProducerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        Partitioner = Partitioner.Murmur2Random,
        Acks = Acks.All,
        EnableIdempotence = true,
        // Under injected Produce errors the mock can let a retried batch of an idempotent producer overtake the
        // next one and lose it (a real broker refuses it as out of sequence): one request at a time, so test
        // input is never lost by the mock itself.
        MaxInFlight = 1,
        LingerMs = 2,
        MessageTimeoutMs = 30_000,
        SocketConnectionSetupTimeoutMs = 5_000,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
    };

    /// <summary>
    /// Consumer settings for <paramref name="groupId"/>: earliest, no auto-commit, session
    /// timeout 6 s (a second member joining waits session.timeout - 1 s on the mock), heartbeat
    /// 500 ms, fast reconnects.
    /// </summary>
    public ConsumerConfig ConsumerConfig(string groupId) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 500,
        SocketConnectionSetupTimeoutMs = 5_000,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
        TopicMetadataRefreshIntervalMs = 5_000,
    };

    /// <summary>Produces UTF-8 keyed records, then flushes; throws if any delivery failed.
    /// Returns each record's partition and offset, in input order.</summary>
    public IReadOnlyList<TopicPartitionOffset> Produce(string topic, IEnumerable<(string? key, byte[] value)> records) =>
        Produce(topic, records.Select(r => (r.key is null ? null : Encoding.UTF8.GetBytes(r.key), r.value, (Headers?)null)));

    /// <summary>Produces raw records with optional headers, then flushes; throws if any delivery failed.</summary>
    public IReadOnlyList<TopicPartitionOffset> Produce(string topic, IEnumerable<(byte[]? key, byte[] value, Headers? headers)> records)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var producer = _producer.Value;
        var results = new List<TopicPartitionOffset?>();
        var failures = new List<string>();
        var gate = new Lock();
        var index = 0;
        foreach (var (key, value, headers) in records)
        {
            var i = index++;
            // Delivery callbacks write results[i] on the client's thread: growing the list must not race with them.
            lock (gate) results.Add(null);
            var message = new Message<byte[]?, byte[]> { Key = key, Value = value, Headers = headers };
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, report =>
                    {
                        lock (gate)
                        {
                            if (report.Error.IsError)
                            {
                                failures.Add($"#{i}: {report.Error}");
                            }
                            else
                            {
                                results[i] = report.TopicPartitionOffset;
                            }
                        }
                    });
                    break;
                }
                catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        var remaining = producer.Flush(TimeSpan.FromSeconds(60));
        lock (gate)
        {
            if (remaining > 0 || failures.Count > 0 || results.Any(r => r is null))
            {
                throw new InvalidOperationException(
                    $"Producing to {topic}: {remaining} undelivered after flush, {failures.Count} failed: " +
                    string.Join("; ", failures.Take(5)));
            }

            return results.Select(r => r!).ToList();
        }
    }

    /// <summary>
    /// Reads partitions 0..partitions-1 of <paramref name="topic"/> from the beginning up to the
    /// high watermarks as of this call (assign, not subscribe: no group, nothing committed).
    /// Records are ordered by partition, then offset. Throws <see cref="TimeoutException"/> when
    /// not everything arrived in time.
    /// </summary>
    public IReadOnlyList<TopicRecord> ReadAll(string topic, int partitions, TimeSpan timeout)
    {
        var ends = GetHighWatermarks(topic, partitions);
        return Read(topic, partitions, ends, expectedCount: null, timeout);
    }

    /// <summary>Reads from the beginning until at least <paramref name="count"/> records have
    /// arrived (waiting for producers still writing), ordered by partition, then offset.</summary>
    public IReadOnlyList<TopicRecord> ReadAtLeast(string topic, int partitions, int count, TimeSpan timeout) =>
        Read(topic, partitions, ends: null, expectedCount: count, timeout);

    private IReadOnlyList<TopicRecord> Read(
        string topic, int partitions, IReadOnlyDictionary<int, long>? ends, int? expectedCount, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        // Assign-only: the (unique, throwaway) group id is required by Confluent.Kafka but never
        // joined, and nothing is committed.
        var config = ConsumerConfig(UniqueGroup("read-all"));
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            .SetLogHandler(static (_, _) => { }).SetErrorHandler(static (_, _) => { }).Build();
        var pending = new HashSet<int>();
        for (var p = 0; p < partitions; p++)
        {
            if (ends is null || ends[p] > 0)
            {
                pending.Add(p);
            }
        }

        consumer.Assign(Enumerable.Range(0, partitions)
            .Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<TopicRecord>();
        bool Done() => expectedCount is { } n ? records.Count >= n : pending.Count == 0;
        while (!Done())
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"Read {records.Count} records of {topic} in {timeout}; " +
                    (expectedCount is { } c ? $"expected {c}." : $"partitions not finished: {string.Join(",", pending)}."));
            }

            var result = consumer.Consume(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            if (result is null || result.IsPartitionEOF)
            {
                continue;
            }

            var m = result.Message;
            records.Add(new TopicRecord(
                result.Topic,
                result.Partition.Value,
                result.Offset.Value,
                m.Key,
                m.Value ?? [],
                m.Headers is null ? [] : m.Headers.Select(h => new KeyValuePair<string, byte[]>(h.Key, h.GetValueBytes())).ToList(),
                m.Timestamp.UtcDateTime));
            if (ends is not null && result.Offset.Value + 1 >= ends[result.Partition.Value])
            {
                pending.Remove(result.Partition.Value);
            }
        }

        consumer.Close();
        return records.OrderBy(r => r.Partition).ThenBy(r => r.Offset).ToList();
    }

    /// <summary>
    /// Committed offsets of <paramref name="groupId"/> per partition (null: nothing committed),
    /// read with a consumer's Committed() (OffsetFetch) — never ListConsumerGroups, which crashes
    /// the client on the mock cluster. The group's active members are not disturbed.
    /// </summary>
    public IReadOnlyDictionary<int, long?> GetCommittedOffsets(string groupId, string topic, int partitions)
    {
        var config = ConsumerConfig(groupId);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            .SetLogHandler(static (_, _) => { }).SetErrorHandler(static (_, _) => { }).Build();
        var committed = consumer.Committed(
            Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)),
            TimeSpan.FromSeconds(15));
        var result = new Dictionary<int, long?>();
        for (var p = 0; p < partitions; p++)
        {
            result[p] = null;
        }

        foreach (var tpo in committed)
        {
            result[tpo.Partition.Value] = tpo.Offset.IsSpecial ? null : tpo.Offset.Value;
        }

        consumer.Close();
        return result;
    }

    /// <summary>Deletes every record of <paramref name="topic"/> below the given offset per partition, as retention would.</summary>
    public void DeleteRecordsBefore(string topic, IReadOnlyDictionary<int, long> offsets)
    {
        foreach (var (partition, offset) in offsets)
        {
            Cluster.DeleteRecordsBefore(topic, partition, offset);
        }
    }

    /// <summary>High watermark (next offset to be written) per partition.</summary>
    public IReadOnlyDictionary<int, long> GetHighWatermarks(string topic, int partitions)
    {
        var config = ConsumerConfig(UniqueGroup("watermarks"));
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            .SetLogHandler(static (_, _) => { }).SetErrorHandler(static (_, _) => { }).Build();
        var result = new Dictionary<int, long>();
        for (var p = 0; p < partitions; p++)
        {
            result[p] = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(15)).High.Value;
        }

        consumer.Close();
        return result;
    }

    public void Dispose()
    {
        if (_producer.IsValueCreated)
        {
            _producer.Value.Flush(TimeSpan.FromSeconds(5));
            _producer.Value.Dispose();
        }

        Cluster.Dispose();
    }
}
