using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Tests.State;

/// <summary>
/// A customer's expiry (hash, timeline, ranked-last-seen) is renewed at most once per renewal interval, yet no key
/// lives without a TTL and the rankings still drop a customer whose hash expired.
/// </summary>
public sealed class ExpiryRenewalTests
{
    private static readonly EntityId Customer = EntityId.ForCustomer("acme", "c1");

    /// <summary>Renewed at most every 10 s: long enough that two writes in a row fall within one interval.</summary>
    private static readonly RedisStoreOptions TenSeconds = new() { KeyPrefix = "ren", CustomerRetention = TimeSpan.FromSeconds(1_000) };

    private static CustomerWrite Write(long version, double? risk = null, params string[] timeline) =>
        new(Customer, version, [new("mentions", version)], risk, AdvocacyScore: null, Volume: [new("202612010900", "neutral", 1)], Signals: [])
        {
            BaseVersion = version == 1 ? null : version - 1,
            Timeline = [.. timeline.Select(System.Text.Encoding.UTF8.GetBytes)],
        };

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_second_flush_within_the_interval_does_not_renew_the_expiry(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, TenSeconds);
        var db = connection.GetDatabase();
        Assert.True(await store.WriteAsync(Write(1, 0.5, "{\"id\":\"m1\"}")));
        await AssertTtl(db, store.Keys.Customer(Customer), TenSeconds.CustomerRetention);
        await AssertTtl(db, store.Keys.Timeline(Customer), TenSeconds.CustomerRetention);
        // Shortened by hand: a renewal would set them back to the retention.
        await db.KeyExpireAsync(store.Keys.Customer(Customer), TimeSpan.FromSeconds(500));
        await db.KeyExpireAsync(store.Keys.Timeline(Customer), TimeSpan.FromSeconds(500));
        var before = await RedisCommandStats.CallsAsync(connection.GetServers()[0]);

        Assert.True(await store.WriteAsync(Write(2, 0.6, "{\"id\":\"m2\"}")));
        var after = await RedisCommandStats.CallsAsync(connection.GetServers()[0]);

        await AssertTtl(db, store.Keys.Customer(Customer), TimeSpan.FromSeconds(500));
        await AssertTtl(db, store.Keys.Timeline(Customer), TimeSpan.FromSeconds(500));
        Assert.Equal(2, await db.ListLengthAsync(store.Keys.Timeline(Customer)));
        Assert.Equal(0.6, await db.SortedSetScoreAsync(store.Keys.Risk("acme"), Customer.Value));
        if (name == RedisServers.Redis)
        {
            // redis-server counts the commands its scripts run. The flush's: HMGET, LPUSH, HSET, ZADD (its changed risk
            // score), HINCRBY; no EXPIRE, no ranking look-up.
            Assert.Equal(0, RedisCommandStats.Delta(before!, after!, "expire"));
            Assert.Equal(0, RedisCommandStats.Delta(before!, after!, "zscore"));
            Assert.Equal(1, RedisCommandStats.Delta(before!, after!, "zadd"));
            Assert.Equal(1, RedisCommandStats.Delta(before!, after!, "hmget"));
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_flush_after_the_interval_renews_the_hash_and_timeline_expiry(string name)
    {
        // Renewed at most every second.
        var options = new RedisStoreOptions { KeyPrefix = "ren", CustomerRetention = TimeSpan.FromSeconds(100) };
        Assert.Equal(TimeSpan.FromSeconds(1), options.ExpiryRenewalInterval());
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, options);
        var db = connection.GetDatabase();
        Assert.True(await store.WriteAsync(Write(1, 0.5, "{\"id\":\"m1\"}")));
        await db.KeyExpireAsync(store.Keys.Customer(Customer), TimeSpan.FromSeconds(50));
        await db.KeyExpireAsync(store.Keys.Timeline(Customer), TimeSpan.FromSeconds(50));
        var renewedAt = (long)await db.HashGetAsync(store.Keys.Customer(Customer), RedisCustomerStore.RenewalField);

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        // A flush without timeline entries renews the timeline too: it expires with the hash.
        Assert.True(await store.WriteAsync(Write(2)));

        await AssertTtl(db, store.Keys.Customer(Customer), options.CustomerRetention);
        await AssertTtl(db, store.Keys.Timeline(Customer), options.CustomerRetention);
        var renewedAgain = (long)await db.HashGetAsync(store.Keys.Customer(Customer), RedisCustomerStore.RenewalField);
        Assert.True(renewedAgain > renewedAt, $"renewed at {renewedAt}, then at {renewedAgain}");
        // Ranked: its last-seen score is the renewal's time.
        Assert.Equal(renewedAgain, await db.SortedSetScoreAsync(store.Keys.RankedLastSeen("acme"), Customer.Value));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_new_timeline_of_an_existing_customer_gets_an_expiry_at_once(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, TenSeconds);
        var db = connection.GetDatabase();
        Assert.True(await store.WriteAsync(Write(1)));
        Assert.False(await db.KeyExistsAsync(store.Keys.Timeline(Customer)));

        Assert.True(await store.WriteAsync(Write(2, timeline: "{\"id\":\"m1\"}")));

        await AssertTtl(db, store.Keys.Timeline(Customer), TenSeconds.CustomerRetention);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_customer_ranked_between_renewals_is_seen_at_its_last_renewal(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, TenSeconds);
        var db = connection.GetDatabase();
        Assert.True(await store.WriteAsync(Write(1, 0)));
        Assert.Null(await db.SortedSetScoreAsync(store.Keys.RankedLastSeen("acme"), Customer.Value));
        // As if renewed five seconds ago: within the interval, so the next flush does not renew.
        var renewedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5;
        await db.HashSetAsync(store.Keys.Customer(Customer), RedisCustomerStore.RenewalField, renewedAt);

        Assert.True(await store.WriteAsync(Write(2, 0.7)));

        // The hash expires at that renewal plus the retention: so does its place in the rankings.
        Assert.Equal(renewedAt, await db.SortedSetScoreAsync(store.Keys.RankedLastSeen("acme"), Customer.Value));
        Assert.Equal(renewedAt, (long)await db.HashGetAsync(store.Keys.Customer(Customer), RedisCustomerStore.RenewalField));
        await AssertTtl(db, store.Keys.RankedLastSeen("acme"), TenSeconds.CustomerRetention);
        await AssertTtl(db, store.Keys.Risk("acme"), TenSeconds.CustomerRetention);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_new_customers_first_flush_ranks_it_only_by_the_scores_it_sets(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, TenSeconds);
        var db = connection.GetDatabase();
        var ranked = EntityId.ForCustomer("acme", "ranked");
        var before = await RedisCommandStats.CallsAsync(connection.GetServers()[0]);

        Assert.True(await store.WriteAsync(Write(1)));
        var after = await RedisCommandStats.CallsAsync(connection.GetServers()[0]);
        Assert.True(await store.WriteAsync(Write(1, 0.3) with { Id = ranked }));

        Assert.Null(await db.SortedSetScoreAsync(store.Keys.Risk("acme"), Customer.Value));
        Assert.Null(await db.SortedSetScoreAsync(store.Keys.RankedLastSeen("acme"), Customer.Value));
        Assert.Equal(0.3, await db.SortedSetScoreAsync(store.Keys.Risk("acme"), ranked.Value));
        Assert.NotNull(await db.SortedSetScoreAsync(store.Keys.RankedLastSeen("acme"), ranked.Value));
        if (name == RedisServers.Redis)
        {
            // A customer never stored has no ranking entry: its first flush neither looks one up nor removes one.
            Assert.Equal(0, RedisCommandStats.Delta(before!, after!, "zscore"));
            Assert.Equal(0, RedisCommandStats.Delta(before!, after!, "zrem"));
            Assert.Equal(0, RedisCommandStats.Delta(before!, after!, "zadd"));
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task The_rankings_drop_a_customer_once_its_hash_expired(string name)
    {
        // Two seconds' retention: waited out for real.
        var options = new RedisStoreOptions { KeyPrefix = "ren", CustomerRetention = TimeSpan.FromSeconds(2) };
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, options);
        var db = connection.GetDatabase();
        var active = EntityId.ForCustomer("acme", "active");
        Assert.True(await store.WriteAsync(Write(1, 0.9)));

        await Task.Delay(TimeSpan.FromSeconds(3.2));
        Assert.False(await db.KeyExistsAsync(store.Keys.Customer(Customer)));
        Assert.True(await store.WriteAsync(Write(1, 0.4) with { Id = active }));

        Assert.Null(await db.SortedSetScoreAsync(store.Keys.Risk("acme"), Customer.Value));
        Assert.Null(await db.SortedSetScoreAsync(store.Keys.RankedLastSeen("acme"), Customer.Value));
        Assert.Equal(0.4, await db.SortedSetScoreAsync(store.Keys.Risk("acme"), active.Value));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_load_never_returns_the_renewal_field(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, TenSeconds);
        Assert.True(await store.WriteAsync(Write(1, 0.5, "{\"id\":\"m1\"}")));
        Assert.True(await connection.GetDatabase().HashExistsAsync(store.Keys.Customer(Customer), RedisCustomerStore.RenewalField));

        var loaded = await store.LoadAsync(Customer, default);

        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.Version);
        Assert.Equal([new KeyValuePair<string, string>("mentions", "1")], loaded.Fields);
    }

    private static async Task AssertTtl(IDatabase db, string key, TimeSpan expected)
    {
        var ttl = await db.KeyTimeToLiveAsync(key);
        Assert.True(ttl is { } left && left <= expected && left > expected - TimeSpan.FromSeconds(5), $"{key}: TTL {ttl}, expected about {expected}");
    }
}
