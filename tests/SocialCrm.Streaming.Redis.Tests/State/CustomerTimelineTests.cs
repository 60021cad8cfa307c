using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Redis.Tests.State;

/// <summary>The per-customer timeline of newest mentions: written with the flush, capped, never twice, forgotten with the customer.</summary>
public sealed class CustomerTimelineTests
{
    private static readonly EntityId Customer = EntityId.ForCustomer("acme", "c7");
    private static readonly RedisStoreOptions Options = new() { KeyPrefix = "tl", TimelineCapacity = 3 };

    private static CustomerWrite Write(long version, params string[] timeline) =>
        new(Customer, version, [new("mentions", version)], RiskScore: null, AdvocacyScore: null, Volume: [], Signals: []) { Timeline = [.. timeline.Select(System.Text.Encoding.UTF8.GetBytes)] };

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task The_newest_entries_come_first_capped_a_stale_flush_adds_none_and_forgetting_deletes_them(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var db = connection.GetDatabase();
        Assert.Equal("tl:{acme}:timeline:c7", store.Keys.Timeline(Customer));

        Assert.True(await store.WriteAsync(Write(1, "{\"id\":\"m1\"}", "{\"id\":\"m2\"}")));
        Assert.True(await store.WriteAsync(Write(2, "{\"id\":\"m3\"}", "{\"id\":\"m4\"}")));
        // The same flush again (a retry after a lost answer) is skipped whole: no entry twice.
        Assert.False(await store.WriteAsync(Write(2, "{\"id\":\"m3\"}", "{\"id\":\"m4\"}")));
        Assert.Equal(["{\"id\":\"m4\"}", "{\"id\":\"m3\"}", "{\"id\":\"m2\"}"], (await db.ListRangeAsync("tl:{acme}:timeline:c7")).Select(v => v.ToString()));

        await store.ForgetAsync(new Erasure(Customer, new SourcePosition(0, 5)), default);
        Assert.False(await db.KeyExistsAsync("tl:{acme}:timeline:c7"));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task With_no_timeline_capacity_none_is_kept(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, new RedisStoreOptions { KeyPrefix = "tl0", TimelineCapacity = 0 });
        Assert.True(await store.WriteAsync(Write(1, "{\"id\":\"m1\"}")));
        Assert.False(await connection.GetDatabase().KeyExistsAsync("tl0:{acme}:timeline:c7"));
        Assert.Equal("1", (string?)await connection.GetDatabase().HashGetAsync("tl0:{acme}:customer:c7", "mentions"));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_prospects_flush_lands_on_the_keys_the_contract_names(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var db = connection.GetDatabase();
        var prospect = EntityId.ForProspect("acme", Platform.Twitter, "author:with:colons");
        var write = new CustomerWrite(prospect, 1, [new("mentions", 1)], RiskScore: null, AdvocacyScore: null, Volume: [], Signals: [])
        {
            Timeline = ["{\"id\":\"m1\"}"u8.ToArray()],
        };

        Assert.True(await store.WriteAsync(write));

        Assert.Equal("tl:{acme}:customer:twitter:author:with:colons", store.Keys.Customer(prospect));
        Assert.Equal("1", (string?)await db.HashGetAsync(store.Keys.Customer(prospect), "mentions"));
        Assert.Equal(["{\"id\":\"m1\"}"], (await db.ListRangeAsync(store.Keys.Timeline(prospect))).Select(v => v.ToString()));
    }
}
