using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Logging.Abstractions;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Brand admission over a real registry: two nodes share one Redis-protocol server and its cap of brands. Found in CI:
/// a node that had just seen the registry refuse one brand refused, for the next ten seconds, every brand it had not
/// registered itself, including brands the cap had already taken on (another node's, or its own still in flight).
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class BrandAdmissionTests(RedisServersFixture servers)
{
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_brand_beyond_the_cap_is_refused_without_refusing_the_brands_already_taken_on(string server)
    {
        using var connection = servers.Get(server).Connect();
        var store = new RedisStoreOptions { KeyPrefix = $"adm{Guid.NewGuid():N}" };
        BrandAdmission Node() => new(new TenantOptions { MaxBrands = 2 }, new RedisBrandRegistry(connection, store),
            new RateLimitedLog(NullLogger.Instance, TimeSpan.FromMinutes(1), NullRedactor.Instance));
        var first = Node();
        var second = Node();

        Assert.Null(await first.CheckAsync("acme", CancellationToken.None));
        Assert.Null(await first.CheckAsync("globex", CancellationToken.None));
        var refused = await second.CheckAsync("initech", CancellationToken.None);
        Assert.Equal(Domain.Mentions.RejectReason.UnknownBrand, refused?.Reason);

        // The second node has never registered acme itself: the registry, not the recent refusal, answers for it.
        Assert.Null(await second.CheckAsync("acme", CancellationToken.None));
        Assert.Equal(Domain.Mentions.RejectReason.UnknownBrand, (await second.CheckAsync("initech", CancellationToken.None))?.Reason);

        // Many records of one new brand at once: one registration, one answer for all.
        var third = Node();
        var checks = Enumerable.Range(0, 50).Select(_ => third.CheckAsync("globex", CancellationToken.None)).ToList();
        Assert.All(await Task.WhenAll(checks), Assert.Null);
    }
    /// <summary>The registry set replaced by another type (another hand's) refused every brand, for good: now it is replaced, and named.</summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_registry_key_of_another_type_is_replaced_and_named_and_brands_are_taken_on_again(string server)
    {
        using var connection = servers.Get(server).Connect();
        var store = new RedisStoreOptions { KeyPrefix = $"adm{Guid.NewGuid():N}" };
        var key = new RedisKeys(store.KeyPrefix).Brands;
        await connection.GetDatabase().StringSetAsync(key, "a string");
        var replaced = new List<string>();
        var node = new BrandAdmission(new TenantOptions { MaxBrands = 2 }, new RedisBrandRegistry(connection, store, replaced.Add),
            new RateLimitedLog(NullLogger.Instance, TimeSpan.FromMinutes(1), NullRedactor.Instance));

        Assert.Null(await node.CheckAsync("acme", CancellationToken.None));
        Assert.Null(await node.CheckAsync("globex", CancellationToken.None));
        Assert.Equal(Domain.Mentions.RejectReason.UnknownBrand, (await node.CheckAsync("initech", CancellationToken.None))?.Reason);
        Assert.Equal([key], replaced);
        Assert.Equal(2, await connection.GetDatabase().SetLengthAsync(key));
    }
}
