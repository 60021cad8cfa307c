using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Connection;

/// <summary>
/// Whether a Redis server may evict keys. With a memory limit and any policy but <c>noeviction</c>, a full server
/// drops keys without an error; every key this processor writes has a TTL, so the <c>volatile-*</c> policies (the
/// default of several managed Redis services) drop them as <c>allkeys-*</c> do. Customer state, partition fences and
/// alert ids would vanish, and with them the delivery promise. Under <c>noeviction</c> a full server refuses writes
/// instead, and processing waits for room.
/// </summary>
public static class RedisEviction
{
    /// <summary>
    /// "endpoint: maxmemory-policy P with maxmemory N bytes" for each primary that may evict; empty when none may, or
    /// none says (a server whose <c>INFO memory</c> lacks the two fields, as Garnet's).
    /// </summary>
    public static async Task<IReadOnlyList<string>> EvictingPrimariesAsync(RedisConnectionSettings settings)
    {
        var certificates = settings.Tls.Enabled || settings.Tls.HasAnyFile ? RedisTlsCertificates.Load(settings.Tls) : null;
        var options = RedisConnector.Options(settings, certificates);
        // INFO is an admin command to the client: this short-lived connection sends nothing else.
        options.AllowAdmin = true;
        options.AbortOnConnectFail = true;
        using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        var evicting = new List<string>();
        foreach (var server in connection.GetServers().Where(server => server.IsConnected && !server.IsReplica))
        {
            var fields = (await server.InfoAsync("memory").ConfigureAwait(false))
                .SelectMany(section => section)
                .ToDictionary(field => field.Key, field => field.Value, StringComparer.Ordinal);
            var limit = fields.GetValueOrDefault("maxmemory");
            var policy = fields.GetValueOrDefault("maxmemory_policy");
            if (MayEvict(limit, policy))
            {
                evicting.Add($"{server.EndPoint}: maxmemory-policy {policy} with maxmemory {limit} bytes");
            }
        }
        return evicting;
    }

    /// <summary>A limit (0 is none) and a policy other than noeviction.</summary>
    private static bool MayEvict(string? limit, string? policy) =>
        long.TryParse(limit, out var bytes) && bytes > 0 && !string.IsNullOrEmpty(policy) && policy != "noeviction";
}
