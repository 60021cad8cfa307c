using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// Hands out owner epochs of Kafka partitions (<c>{prefix}:epochs</c>, a hash: partition -> latest epoch): each claim
/// of a partition, by any node, gets a higher epoch than every claim before it, so the latest owner's is the highest.
/// </summary>
public sealed class RedisPartitionEpochs(IConnectionMultiplexer connection, RedisStoreOptions options)
{
    private readonly RedisKey _key = new RedisKeys(options.KeyPrefix).PartitionEpochs;

    public Task<long> ClaimAsync(int partition) => connection.GetDatabase().HashIncrementAsync(_key, partition, 1);
}
