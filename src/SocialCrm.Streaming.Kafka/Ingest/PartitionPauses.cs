using System.Collections.Concurrent;
using Confluent.Kafka;

namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>
/// The flow control of <see cref="KafkaConsumerLoop"/>: pauses a partition when too many of its records are in flight
/// and resumes it once the stream has caught up. Only the consume thread (the loop and the rebalance callbacks) uses it.
/// </summary>
internal sealed class PartitionPauses
{
    private readonly IConsumer<byte[]?, byte[]> _consumer;
    private readonly ConcurrentDictionary<TopicPartition, PartitionOffsetTracker> _trackers;
    private readonly KafkaIngestOptions _options;
    private readonly HashSet<TopicPartition> _paused = [];
    /// <summary>Filled by the assignment callback, emptied by the loop; both run on the consume thread.</summary>
    private readonly List<TopicPartition> _newlyAssigned = [];

    public PartitionPauses(KafkaIngestOptions options, IConsumer<byte[]?, byte[]> consumer,
        ConcurrentDictionary<TopicPartition, PartitionOffsetTracker> trackers)
    {
        _options = options;
        _consumer = consumer;
        _trackers = trackers;
    }

    /// <summary>From the assignment callback: the partitions to resume before the next consume.</summary>
    public void Assigned(IEnumerable<TopicPartition> partitions) => _newlyAssigned.AddRange(partitions);

    /// <summary>Forgets a partition no longer owned.</summary>
    public void Forget(TopicPartition partition) => _paused.Remove(partition);

    /// <summary>After a record of <paramref name="partition"/> was handed out: pauses it if it has too many in flight.</summary>
    public void PauseIfFull(TopicPartition partition, PartitionOffsetTracker tracker)
    {
        if (tracker.InFlight >= _options.MaxInFlightPerPartition && _paused.Add(partition))
        {
            _consumer.Pause([partition]);
        }
    }

    /// <summary>
    /// The client keeps a partition's pause across rebalances; one this loop paused under an earlier assignment
    /// would never deliver again. Every newly assigned partition starts resumed (a no-op when it was not paused).
    /// </summary>
    public void ResumeNewlyAssigned()
    {
        if (_newlyAssigned.Count == 0)
        {
            return;
        }
        var assigned = _newlyAssigned.Where(_trackers.ContainsKey).ToList();
        _newlyAssigned.Clear();
        if (assigned.Count > 0)
        {
            _consumer.Resume(assigned);
        }
    }

    public void ResumeDrainedPartitions()
    {
        if (_paused.Count == 0)
        {
            return;
        }
        // Called before every consume: nothing is allocated unless a partition is to be resumed.
        var resumeBelow = Math.Max(1, _options.MaxInFlightPerPartition / 2);
        List<TopicPartition>? unpaused = null;
        foreach (var partition in _paused)
        {
            if (!_trackers.TryGetValue(partition, out var tracker) || tracker.InFlight <= resumeBelow)
            {
                (unpaused ??= []).Add(partition);
            }
        }
        if (unpaused is null)
        {
            return;
        }
        _paused.ExceptWith(unpaused);
        // A partition no longer tracked (revoked) is only forgotten; the others fetch again.
        var drained = unpaused.Where(_trackers.ContainsKey).ToList();
        if (drained.Count > 0)
        {
            _consumer.Resume(drained);
        }
    }
}
