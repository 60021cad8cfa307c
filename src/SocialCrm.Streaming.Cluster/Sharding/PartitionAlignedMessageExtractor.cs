using System.Globalization;
using Akka.Cluster.Sharding;

namespace SocialCrm.Streaming.Cluster.Sharding;

/// <summary>Messages addressed to one sharded entity (a customer, or a brand monitor).</summary>
public interface IWithEntityId
{
    string EntityId { get; }
}

/// <summary>
/// Shard id = the Kafka partition of the entity id (murmur2 mod partition count), so a shard and
/// the partition its entities' mentions arrive on can be placed on the same node.
/// </summary>
public sealed class PartitionAlignedMessageExtractor(int partitionCount) : IMessageExtractor
{
    private readonly string[] _shardIds = [.. Enumerable.Range(0, partitionCount).Select(ShardIdOf)];

    public int PartitionCount => partitionCount;

    public string? EntityId(object message) => (message as IWithEntityId)?.EntityId;

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message) is { } entityId ? ShardId(entityId, message) : null;

    public string ShardId(string entityId, object? messageHint = null) =>
        _shardIds[KafkaPartitioner.PartitionFor(entityId, partitionCount)];

    public static string ShardIdOf(int partition) => partition.ToString(CultureInfo.InvariantCulture);

    public static int PartitionOf(string shardId) => int.Parse(shardId, CultureInfo.InvariantCulture);
}
