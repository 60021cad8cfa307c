using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;

namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>
/// The lag of <see cref="KafkaConsumerLoop"/> per assigned partition: the high watermark minus the consumer's position,
/// from the client's cached watermarks (no broker call). Refreshed and pruned on the consume thread, read from any.
/// </summary>
internal sealed class PartitionLag
{
    private readonly IConsumer<byte[]?, byte[]> _consumer;
    private readonly ConcurrentDictionary<TopicPartition, PartitionOffsetTracker> _trackers;
    private readonly Stopwatch _sinceRefresh = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<TopicPartition, long> _lag = new();

    public PartitionLag(IConsumer<byte[]?, byte[]> consumer, ConcurrentDictionary<TopicPartition, PartitionOffsetTracker> trackers)
    {
        _consumer = consumer;
        _trackers = trackers;
    }

    /// <summary>Partitions whose watermark is not known yet are absent.</summary>
    public IReadOnlyDictionary<TopicPartition, long> ByPartition => _lag;

    public bool IsDue => _sinceRefresh.Elapsed >= KafkaConsumerLoop.LagInterval;

    /// <summary>No partition known to lag behind.</summary>
    public bool CaughtUp => _lag.Values.All(lag => lag == 0);

    public void Forget(TopicPartition partition) => _lag.TryRemove(partition, out _);

    /// <summary>On the loop thread: the client's cached high watermark minus the next offset to read.</summary>
    public void Refresh()
    {
        _sinceRefresh.Restart();
        foreach (var (partition, tracker) in _trackers)
        {
            WatermarkOffsets watermarks;
            try
            {
                watermarks = _consumer.GetWatermarkOffsets(partition);
            }
            catch (KafkaException)
            {
                continue;
            }
            if (watermarks.High.IsSpecial)
            {
                continue;
            }
            var position = tracker.NextOffset >= 0 ? tracker.NextOffset : PositionOf(partition);
            if (position < 0)
            {
                // Nothing consumed and no position yet: everything from the low watermark on is behind.
                position = watermarks.Low.IsSpecial ? 0 : watermarks.Low.Value;
            }
            _lag[partition] = Math.Max(0, watermarks.High.Value - position);
        }
        foreach (var partition in _lag.Keys)
        {
            if (!_trackers.ContainsKey(partition))
            {
                _lag.TryRemove(partition, out _);
            }
        }
    }

    private long PositionOf(TopicPartition partition)
    {
        try
        {
            var position = _consumer.Position(partition);
            return position.IsSpecial ? -1 : position.Value;
        }
        catch (KafkaException)
        {
            return -1;
        }
    }
}
