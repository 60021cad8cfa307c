using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// Hands out owner epochs of Kafka partitions (<c>{prefix}:epochs</c>, a hash: partition -> latest epoch): each claim
/// of a partition, by any node, gets a higher epoch than every claim before it, so the latest owner's is the highest.
/// An epoch is the Redis server's clock in milliseconds, or one more than the partition's last epoch when that is
/// higher. Counting alone would not do: were the hash lost or changed (deleted by hand, restored from an older backup,
/// a failover that lost its last writes), the next claims would start low again under the brands' fences, which hold
/// the epochs of earlier claims, and every write of the partition would be refused as a stale owner's, for good.
/// A value of the hash that no claim can have written (not a number, or more than a day ahead of the server's clock)
/// is replaced, as is a key of another type.
/// </summary>
public sealed class RedisPartitionEpochs(IConnectionMultiplexer connection, RedisStoreOptions options)
{
    private const string ClaimScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local stored = redis.pcall('HGET', KEYS[1], ARGV[1])
        if type(stored) == 'table' then
          redis.call('DEL', KEYS[1])
          stored = false
        end
        local last = tonumber(stored or '0')
        -- Not a number, NaN, or beyond tomorrow on this clock: no claim ever wrote it.
        if not last or last ~= last or last > now + 86400000 then last = 0 end
        local epoch = math.max(last + 1, now)
        redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', epoch))
        return epoch
        """;

    private readonly RedisKey _key = new RedisKeys(options.KeyPrefix).PartitionEpochs;

    public async Task<long> ClaimAsync(int partition) =>
        (long)await connection.GetDatabase().ScriptEvaluateAsync(ClaimScript, [_key], [partition]).ConfigureAwait(false);
}
