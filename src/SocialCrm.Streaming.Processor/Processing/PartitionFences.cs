using System.Collections.Concurrent;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// This node's claims on the mention partitions it is assigned: on each assignment it claims a new owner epoch per
/// partition, and its customers' writes carry it (<see cref="WriteFence"/>). Once the new owner of a partition has
/// written to a brand, writes of an older owner to that brand's customers of the partition are refused, so a node
/// that lost a partition without noticing (a pause past the session timeout) cannot overwrite what the owner wrote.
/// Until a claim is answered (Redis slow or down) the partition's writes go unfenced: their flush versions still refuse
/// a stale write of the same customer.
/// </summary>
public sealed class PartitionFences(Func<int, Task<long>> claim, int partitionCount)
{
    private readonly ConcurrentDictionary<int, long> _epochs = new();
    private volatile HashSet<int> _assigned = [];

    /// <summary>The claim this node's writes of the customer carry, or null when it never held the partition.</summary>
    public WriteFence? FenceOf(EntityId id)
    {
        var partition = KafkaPartitioner.PartitionFor(id.Value, partitionCount);
        return _epochs.TryGetValue(partition, out var epoch) ? new WriteFence(partition, epoch) : null;
    }

    /// <summary>
    /// Claims the newly assigned partitions. A partition no longer assigned keeps its last epoch: what this node still
    /// writes for it (a drain) is refused only once the next owner has written.
    /// </summary>
    public async Task AssignedAsync(IReadOnlyCollection<int> partitions)
    {
        var previous = _assigned;
        var current = partitions.ToHashSet();
        _assigned = current;
        var claims = current.Where(p => !previous.Contains(p)).Select(async p => (Partition: p, Epoch: await claim(p).ConfigureAwait(false)));
        foreach (var (partition, epoch) in await Task.WhenAll(claims).ConfigureAwait(false))
        {
            // Revoked again meanwhile: the claim is not this node's to use.
            if (_assigned.Contains(partition))
            {
                _epochs.AddOrUpdate(partition, epoch, (_, held) => Math.Max(held, epoch));
            }
        }
    }
}
