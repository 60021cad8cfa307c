using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>Each assignment of a partition claims a higher epoch than any before it, on whichever node.</summary>
public sealed class PartitionFencesTests
{
    private const int Partitions = 12;

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task The_latest_assignment_holds_the_highest_epoch_and_a_revoked_partition_keeps_its_own(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var epochs = new RedisPartitionEpochs(connection, new RedisStoreOptions { KeyPrefix = "pf" });
        var nodeA = new PartitionFences(epochs.ClaimAsync, Partitions);
        var nodeB = new PartitionFences(epochs.ClaimAsync, Partitions);
        var inTwo = CustomerOf(2);
        var inFive = CustomerOf(5);
        Assert.Null(nodeA.FenceOf(inTwo));

        await nodeA.AssignedAsync([2, 5]);
        var first = nodeA.FenceOf(inTwo)!.Value;
        Assert.Equal(2, first.Partition);

        // Partition 2 moves to B: B's claim is higher; A keeps its old one for what it still writes.
        await nodeA.AssignedAsync([5]);
        await nodeB.AssignedAsync([2]);
        Assert.True(nodeB.FenceOf(inTwo)!.Value.Epoch > first.Epoch);
        Assert.Equal(first, nodeA.FenceOf(inTwo));
        Assert.Null(nodeB.FenceOf(inFive));

        // Back to A: a new claim, higher than B's.
        await nodeB.AssignedAsync([]);
        await nodeA.AssignedAsync([2, 5]);
        Assert.True(nodeA.FenceOf(inTwo)!.Value.Epoch > nodeB.FenceOf(inTwo)!.Value.Epoch);
    }

    private static EntityId CustomerOf(int partition)
    {
        for (var i = 0; ; i++)
        {
            var id = EntityId.ForCustomer("acme", "c" + i);
            if (KafkaPartitioner.PartitionFor(id.Value, Partitions) == partition)
            {
                return id;
            }
        }
    }
}
