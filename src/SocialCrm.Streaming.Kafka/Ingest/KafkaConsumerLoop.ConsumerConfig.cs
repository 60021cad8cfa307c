using Confluent.Kafka;

namespace SocialCrm.Streaming.Kafka.Ingest;

public sealed partial class KafkaConsumerLoop
{
    /// <summary>
    /// How long the client waits before it fetches a partition again once its queue held the prefetch bound, unless
    /// <c>Kafka:Properties</c> sets <c>fetch.queue.backoff.ms</c>. librdkafka's default (1 s) is meant for a large queue:
    /// with this loop's bound, a node catching up drains the queue in a fraction of that and then waits, idle, for
    /// records the broker already has.
    /// </summary>
    private const int DefaultFetchQueueBackoffMs = 10;

    /// <summary>The client settings this loop consumes with (also what a benchmark's raw consumer must match).</summary>
    public static ConsumerConfig ConsumerConfigOf(KafkaIngestOptions options)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(options.Properties))
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = options.SessionTimeoutMs,
            // Bounded prefetch: the client's own queue must not undo the in-flight cap.
            QueuedMaxMessagesKbytes = 16 * 1024,
            // Range keeps co-partitioned topics together (partition i of each on one member).
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            // Where the end of the log is, so a partition whose last offsets hold no record to hand out
            // (records deleted before they were read, a transaction marker) is still committed to its end.
            EnablePartitionEof = true,
            // Records of an aborted transaction were never sent (the librdkafka default, made explicit: counting them would
            // break the delivery promise for input written by a transactional producer; Kafka:Properties may not change it).
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        config.FetchQueueBackoffMs ??= DefaultFetchQueueBackoffMs;
        return config;
    }
}
