using SocialCrm.Streaming.Domain.Ports;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// The registered brands as one Redis set (<c>{prefix}:brands</c>); check, count and add in one script, so two nodes
/// never both take the last place. A key of another type there (another hand's) would refuse every brand's
/// registration for good, and with it every mention: it is replaced by a new set, which the brands join again as their
/// mentions come, and <paramref name="keyReplaced"/> is told.
/// </summary>
public sealed class RedisBrandRegistry(IConnectionMultiplexer connection, RedisStoreOptions options, Action<string>? keyReplaced = null) : IBrandRegistry
{
    /// <summary>1: registered; 0: refused, the registry is full; 2: registered in a new set that replaced a key of another type.</summary>
    private const string RegisterScript = """
        local replaced = 0
        local member = redis.pcall('SISMEMBER', KEYS[1], ARGV[1])
        if type(member) == 'table' and member.err then
          -- Any other error is raised as the command raises it.
          if not string.find(member.err, 'WRONGTYPE', 1, true) then return redis.call('SISMEMBER', KEYS[1], ARGV[1]) end
          redis.call('DEL', KEYS[1])
          replaced, member = 1, 0
        end
        if member == 1 then return 1 end
        if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[2]) then
          redis.call('SADD', KEYS[1], ARGV[1])
          return 1 + replaced
        end
        return 0
        """;

    private readonly RedisKey _key = new RedisKeys(options.KeyPrefix).Brands;

    public async Task<bool> TryRegisterAsync(string brand, int capacity, CancellationToken cancellationToken)
    {
        var answer = (long)await connection.GetDatabase().ScriptEvaluateAsync(RegisterScript, [_key], [brand, capacity]).ConfigureAwait(false);
        if (answer == 2)
        {
            keyReplaced?.Invoke(_key!);
        }
        return answer > 0;
    }
}
