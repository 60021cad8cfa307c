using SocialCrm.Streaming.Redis.Connection;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Redis.Tests.Connection;

/// <summary>A server that may drop keys when full is named, with its policy; one that refuses writes instead is not.</summary>
public sealed class RedisEvictionTests
{
    [RedisTheory]
    [InlineData(RedisServers.Redis, "volatile-lru", "100mb", true)]
    [InlineData(RedisServers.Redis, "allkeys-lfu", "100mb", true)]
    [InlineData(RedisServers.Redis, "noeviction", "100mb", false)]
    [InlineData(RedisServers.Redis, "allkeys-lru", "0", false)]
    public async Task A_memory_limit_with_an_evicting_policy_is_reported(string name, string policy, string limit, bool reported)
    {
        using var server = RedisServers.Start(name);
        using (var admin = server.Connect())
        {
            var db = admin.GetDatabase();
            await db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", policy);
            await db.ExecuteAsync("CONFIG", "SET", "maxmemory", limit);
        }

        var evicting = await RedisEviction.EvictingPrimariesAsync(new RedisConnectionSettings(server.ConnectionString, "", "", new RedisTlsOptions()));

        if (reported)
        {
            Assert.Equal($"127.0.0.1:{server.Port}: maxmemory-policy {policy} with maxmemory 104857600 bytes", Assert.Single(evicting));
        }
        else
        {
            Assert.Empty(evicting);
        }
    }

    [RedisTheory]
    [InlineData(RedisServers.Garnet)]
    public async Task A_server_that_does_not_tell_is_not_reported(string name)
    {
        using var server = RedisServers.Start(name);

        Assert.Empty(await RedisEviction.EvictingPrimariesAsync(new RedisConnectionSettings(server.ConnectionString, "", "", new RedisTlsOptions())));
    }
}
