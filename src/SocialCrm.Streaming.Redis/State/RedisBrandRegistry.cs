using SocialCrm.Streaming.Domain.Ports;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>The registered brands as one Redis set (<c>{prefix}:brands</c>); check, count and add in one script, so two nodes never both take the last place.</summary>
public sealed class RedisBrandRegistry(IConnectionMultiplexer connection, RedisStoreOptions options) : IBrandRegistry
{
    private const string RegisterScript = """
        if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
        if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[2]) then
          redis.call('SADD', KEYS[1], ARGV[1])
          return 1
        end
        return 0
        """;

    private readonly RedisKey _key = new RedisKeys(options.KeyPrefix).Brands;

    public async Task<bool> TryRegisterAsync(string brand, int capacity, CancellationToken cancellationToken) =>
        (long)await connection.GetDatabase().ScriptEvaluateAsync(RegisterScript, [_key], [brand, capacity]).ConfigureAwait(false) == 1;
}
