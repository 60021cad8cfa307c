using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace SocialCrm.Streaming.Kafka.Ingest;

// The rebalance callbacks: the client calls them on the consume thread, from inside Consume.
public sealed partial class KafkaConsumerLoop
{
    private void OnAssigned(List<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
        {
            _trackers[tp] = new PartitionOffsetTracker();
        }
        _pauses.Assigned(partitions);
        _logger.LogInformation("Assigned {Partitions}", Describe(partitions));
        _onAssignmentChanged?.Invoke(AssignedPartitions);
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        var revoked = partitions.Select(p => p.TopicPartition).ToArray();
        DrainAndCommit(revoked);
        Release(revoked);
        _logger.LogInformation("Revoked {Partitions}", Describe(revoked));
        _onAssignmentChanged?.Invoke(AssignedPartitions);
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        // Lost, not revoked: another member may own them already, so committing would be wrong.
        var lost = partitions.Select(p => p.TopicPartition).ToArray();
        Release(lost);
        _logger.LogWarning("Lost {Partitions}", Describe(lost));
        _onAssignmentChanged?.Invoke(AssignedPartitions);
    }

    private void DrainAndCommit(IReadOnlyCollection<TopicPartition> partitions)
    {
        if (_commits.Abandoned)
        {
            return;
        }
        var trackers = partitions.Select(p => _trackers.GetValueOrDefault(p)).OfType<PartitionOffsetTracker>().ToArray();
        // Stopping: the stop has waited for in-flight records already, within its own deadline.
        WaitForInFlight(() => trackers.All(t => t.InFlight == 0), _stopping ? TimeSpan.Zero : RevocationDrainLimit);
        _commits.CommitDone(partitions);
    }

    private void Release(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _trackers.TryRemove(partition, out _);
            _pauses.Forget(partition);
            _lag.Forget(partition);
        }
    }

    /// <summary>
    /// A revocation waits inside the rebalance, where the member sends no heartbeats: waiting longer than
    /// half the session timeout gets it dropped from the group, and every member rebalances again.
    /// </summary>
    private TimeSpan RevocationDrainLimit => TimeSpan.FromMilliseconds(Math.Min(_options.DrainTimeout.TotalMilliseconds, _options.SessionTimeoutMs / 2.0));

    private void WaitForInFlight(Func<bool> drained, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (!drained())
        {
            if (deadline.Elapsed >= limit)
            {
                _logger.LogWarning("In-flight records did not finish within {Timeout}; the next owner replays them", limit);
                return;
            }
            Thread.Sleep(5);
        }
    }

    private static string Describe(IEnumerable<TopicPartition> partitions) =>
        string.Join(", ", partitions.GroupBy(p => p.Topic).Select(g => $"{g.Key} [{string.Join(",", g.Select(p => p.Partition.Value).Order())}]"));
}
