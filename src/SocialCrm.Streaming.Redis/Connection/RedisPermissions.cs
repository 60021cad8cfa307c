using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Connection;

/// <summary>
/// Checks at start-up that the Redis user may do what the processor does, with one script that uses each kind of
/// command its writes use (hashes, lists, sorted sets, sets, strings, expiries, deletion, publishing, the server's clock) on keys and a
/// channel under the key prefix, and removes what it wrote. A user refused any of it (ACL: NOPERM) stops start-up
/// naming Redis:User, instead of a node that starts and then retries every write for as long as it runs. A server
/// that is down is not checked here (its first writes are retried until it is up).
/// </summary>
public static class RedisPermissions
{
    private const string Probe = """
        redis.call('HSET', KEYS[1], 'probe', '1')
        redis.call('HINCRBY', KEYS[1], 'count', 1)
        redis.call('HMGET', KEYS[1], 'probe', 'count')
        redis.call('HGETALL', KEYS[1])
        redis.call('LPUSH', KEYS[2], '1')
        redis.call('LTRIM', KEYS[2], 0, 0)
        redis.call('ZADD', KEYS[3], 1, 'probe')
        redis.call('ZSCORE', KEYS[3], 'probe')
        redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', 0)
        redis.call('ZREM', KEYS[3], 'probe')
        redis.call('SADD', KEYS[4], 'probe')
        redis.call('SCARD', KEYS[4])
        redis.call('SET', KEYS[5], '1', 'EX', 60)
        redis.call('GET', KEYS[5])
        redis.call('EXISTS', KEYS[5])
        for i = 1, 4 do redis.call('EXPIRE', KEYS[i], 60) end
        redis.call('PUBLISH', ARGV[1], '')
        redis.call('TIME')
        redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
        redis.call('DEL', KEYS[5])
        return 1
        """;

    /// <summary>
    /// The server's ACL refused a command, key or channel: NOPERM from a command, "ERR The user executing the script
    /// can't ..." (Redis 7.0) from within a script.
    /// </summary>
    public static bool IsAclRefusal(string message) =>
        message.StartsWith("NOPERM", StringComparison.Ordinal) || message.Contains("The user executing the script can't", StringComparison.Ordinal);

    /// <summary>The connection, once the probe ran; a refused probe disposes it and throws <see cref="ConnectionSettingException"/>.</summary>
    public static IConnectionMultiplexer Verified(IConnectionMultiplexer connection, string keyPrefix, RedisConnectionSettings settings)
    {
        // One hash tag: the probe's keys share a slot on a Redis Cluster.
        var at = $"{keyPrefix}:{{permission-probe}}";
        try
        {
            connection.GetDatabase().ScriptEvaluate(Probe, [$"{at}:hash", $"{at}:list", $"{at}:zset", $"{at}:set", $"{at}:string"], [$"{keyPrefix}:permission-probe"]);
            return connection;
        }
        catch (RedisServerException ex) when (IsAclRefusal(ex.Message))
        {
            connection.Dispose();
            throw new ConnectionSettingException(
                $"the Redis user '{RedisConnector.UserOf(settings)}' (Redis:User) may not do what the processor does: {ex.Message.Split(" script:", 2)[0]}. "
                + $"It needs the keys and channels of Redis:KeyPrefix ('{keyPrefix}') and every command but the dangerous ones, "
                + $"e.g. ACL SETUSER <user> on ~{keyPrefix}:* &{keyPrefix}:* +@all -@dangerous +info", ex);
        }
        catch (RedisConnectionException)
        {
            return connection;
        }
    }
}
