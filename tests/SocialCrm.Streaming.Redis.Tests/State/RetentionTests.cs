using System.Globalization;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Redis.Tests.State;

/// <summary>
/// Every key family the processor writes expires (topology/redis-keys.md, TTL column), and the rankings age out silent
/// customers; how a customer's expiry is renewed: <see cref="ExpiryRenewalTests"/>.
/// </summary>
public sealed class RetentionTests
{
    private static readonly RedisStoreOptions Options = new()
    {
        KeyPrefix = "ttl",
        CustomerRetention = TimeSpan.FromDays(10),
        SignalListRetention = TimeSpan.FromDays(3),
        BrandMonitorRetention = TimeSpan.FromDays(4),
    };

    private static CustomerWrite Write(EntityId id, long version, double risk, params OutboundSignal[] signals) =>
        new(id, version, [new("mentions", version.ToString(CultureInfo.InvariantCulture))], risk, AdvocacyScore: 0, Volume: [], signals)
        {
            Timeline = ["{\"id\":\"m\"}"u8.ToArray()],
        };

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Customer_timeline_rankings_lists_and_monitor_expire(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var db = connection.GetDatabase();
        var id = EntityId.ForCustomer("acme", "c1");
        var alert = new OutboundSignal("crs-1", "acme", SignalStream.CrisisAlerts, id.Value, "{\"alertId\":\"crs-1\"}", "influencer-negative", "P1");
        var trigger = new OutboundSignal("trg-1", "acme", SignalStream.LifecycleTriggers, id.Value, "{\"triggerId\":\"trg-1\"}", "retention", "P2");
        Assert.True(await store.WriteAsync(Write(id, 1, 0.5, alert, trigger)));
        await store.SaveBrandMonitorAsync("acme", "{}"u8.ToArray(), default);

        await AssertTtl(db, store.Keys.Customer(id), Options.CustomerRetention);
        await AssertTtl(db, store.Keys.Timeline(id), Options.CustomerRetention);
        await AssertTtl(db, store.Keys.Risk("acme"), Options.CustomerRetention);
        await AssertTtl(db, store.Keys.RankedLastSeen("acme"), Options.CustomerRetention);
        await AssertTtl(db, store.Keys.Alerts("acme"), Options.SignalListRetention);
        await AssertTtl(db, store.Keys.Triggers("acme"), Options.SignalListRetention);
        await AssertTtl(db, store.Keys.BrandMonitor("acme"), Options.BrandMonitorRetention);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Rankings_drop_a_customer_not_written_within_the_retention(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var db = connection.GetDatabase();
        var silent = EntityId.ForCustomer("acme", "silent");
        var active = EntityId.ForCustomer("acme", "active");
        Assert.True(await store.WriteAsync(Write(silent, 1, 0.9)));
        Assert.Equal(0.9, await db.SortedSetScoreAsync(store.Keys.Risk("acme"), silent.Value));
        // As if its last write were eleven days ago.
        await db.SortedSetAddAsync(store.Keys.RankedLastSeen("acme"), silent.Value, DateTimeOffset.UtcNow.AddDays(-11).ToUnixTimeSeconds());

        Assert.True(await store.WriteAsync(Write(active, 1, 0.4)));

        Assert.Null(await db.SortedSetScoreAsync(store.Keys.Risk("acme"), silent.Value));
        Assert.Null(await db.SortedSetScoreAsync(store.Keys.RankedLastSeen("acme"), silent.Value));
        Assert.Equal(0.4, await db.SortedSetScoreAsync(store.Keys.Risk("acme"), active.Value));
        // A customer that leaves the rankings leaves the last-seen set too: it names only ranked ones.
        Assert.True(await store.WriteAsync(Write(active, 2, 0) with { BaseVersion = 1 }));
        Assert.Null(await db.SortedSetScoreAsync(store.Keys.RankedLastSeen("acme"), active.Value));
    }

    private static async Task AssertTtl(StackExchange.Redis.IDatabase db, string key, TimeSpan expected)
    {
        var ttl = await db.KeyTimeToLiveAsync(key);
        Assert.True(ttl is { } left && left <= expected && left > expected - TimeSpan.FromMinutes(1), $"{key}: TTL {ttl}, expected about {expected}");
    }
}
