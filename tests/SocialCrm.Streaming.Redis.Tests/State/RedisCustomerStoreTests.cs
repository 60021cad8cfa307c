using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Tests.State;

/// <summary>The flush script on every Redis-protocol server we support: atomic, versioned, idempotent on signal ids.</summary>
public sealed class RedisCustomerStoreTests
{
    private static readonly EntityId Customer = EntityId.ForCustomer("acme", "c42");
    private static readonly RedisStoreOptions Options = new() { KeyPrefix = "test", ListCapacity = 3 };

    private static CustomerWrite Write(long version, long mentions, params OutboundSignal[] signals) => new(
        Customer,
        version,
        [new("mentions", mentions.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("stage", "active")],
        RiskScore: 0.25 * version,
        AdvocacyScore: 0,
        Volume: [new VolumeIncrement("202611230900", "negative", 2), new VolumeIncrement("202611230900", "positive", 1)],
        Signals: signals);

    private static OutboundSignal Signal(string id) =>
        new(id, "acme", SignalStream.LifecycleTriggers, Customer.Value, $"{{\"triggerId\":\"{id}\"}}", "retention", "P2");

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_write_lands_whole_and_loads_back(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);

        Assert.Null(await store.LoadAsync(Customer, default));
        await store.WriteAsync(Write(1, 3, Signal("t1")));

        var loaded = await store.LoadAsync(Customer, default);
        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.Version);
        Assert.Contains(new KeyValuePair<string, string>("mentions", "3"), loaded.Fields);
        Assert.DoesNotContain(loaded.Fields, f => f.Key == RedisCustomerStore.VersionField);
        var db = connection.GetDatabase();
        Assert.Equal(0.25, await db.SortedSetScoreAsync("test:{acme}:risk", Customer.Value));
        Assert.Equal(2, (long)await db.HashGetAsync("test:{acme}:volume:202611230900", "negative"));
        Assert.True((await db.KeyTimeToLiveAsync("test:{acme}:volume:202611230900")) > TimeSpan.Zero);
        Assert.Equal(["{\"triggerId\":\"t1\"}"], (await db.ListRangeAsync("test:{acme}:triggers")).Select(v => v.ToString()));
    }

    /// <summary>
    /// A customer's hash or erasure marker that holds another type refuses the load as the customer's own data
    /// (the entity sets its records aside), naming which of the two it was.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_load_of_keys_of_another_type_is_refused_naming_the_key(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var db = connection.GetDatabase();

        await db.StringSetAsync(store.Keys.Customer(Customer), "not a hash");
        var refusal = await Assert.ThrowsAsync<StoreRefusedException>(() => store.LoadAsync(Customer, default));
        Assert.StartsWith("Redis refused the customer's hash: WRONGTYPE", refusal.Message, StringComparison.Ordinal);

        await db.KeyDeleteAsync(store.Keys.Customer(Customer));
        await db.StringSetAsync(store.Keys.ErasureMarker(Customer), "not a hash");
        refusal = await Assert.ThrowsAsync<StoreRefusedException>(() => store.LoadAsync(Customer, default));
        Assert.StartsWith("Redis refused the customer's erasure marker: WRONGTYPE", refusal.Message, StringComparison.Ordinal);

        await db.KeyDeleteAsync(store.Keys.ErasureMarker(Customer));
        Assert.Null(await store.LoadAsync(Customer, default));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_retried_or_stale_write_changes_nothing(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);

        Assert.True(await store.WriteAsync(Write(1, 3, Signal("t1"))));
        Assert.False(await store.WriteAsync(Write(1, 3, Signal("t1"))));
        Assert.True(await store.WriteAsync(Write(2, 5)));
        Assert.False(await store.WriteAsync(Write(1, 3, Signal("t1"))));

        var db = connection.GetDatabase();
        Assert.Equal("5", (string?)await db.HashGetAsync("test:{acme}:customer:c42", "mentions"));
        Assert.Equal(4, (long)await db.HashGetAsync("test:{acme}:volume:202611230900", "negative"));
        Assert.Equal(1, await db.ListLengthAsync("test:{acme}:triggers"));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_signal_is_listed_once_published_live_and_lists_stay_capped(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var received = new List<string>();
        var channel = RedisChannel.Literal("test:{acme}:alerts:live");
        await connection.GetSubscriber().SubscribeAsync(channel, (_, message) => { lock (received) received.Add(message!); });

        await store.WriteAsync(Write(1, 1, Signal("a"), Signal("b")));
        await store.WriteAsync(Write(2, 2, Signal("b"), Signal("c"), Signal("d")));
        await store.WriteSignalsAsync([Signal("d"), Signal("e")], default);

        var db = connection.GetDatabase();
        Assert.Equal(["e", "d", "c"], (await db.ListRangeAsync("test:{acme}:triggers")).Select(v => v.ToString()[14..^2]));
        await WaitUntil(() => { lock (received) return received.Count >= 5; });
        lock (received)
        {
            Assert.Equal(5, received.Count);
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Forgetting_a_customer_removes_its_state_and_rankings_and_keeps_only_its_watermarks(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var write = Write(1, 3);
        await store.WriteAsync(write with { Fields = [.. write.Fields, new("wm:3", 17), new("wm:5", 2)] });
        KeyValuePair<string, string>[] watermarks = [new("wm:3", "17"), new("wm:5", "2")];

        await store.ForgetAsync(new Erasure(Customer, new SourcePosition(2, 40)), default);

        Assert.False(await connection.GetDatabase().KeyExistsAsync(store.Keys.Customer(Customer)));
        Assert.Null(await connection.GetDatabase().SortedSetScoreAsync("test:{acme}:risk", Customer.Value));
        var marker = await store.LoadAsync(Customer, default);
        Assert.Equal(0, marker!.Version);
        Assert.Equal(watermarks, marker.Fields);
        Assert.Equal([new SourcePosition(2, 40)], marker.Tombstones);
        Assert.True(await connection.GetDatabase().KeyTimeToLiveAsync(store.Keys.ErasureMarker(Customer)) > TimeSpan.FromDays(29));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_brand_monitor_state_is_saved_and_loaded_per_brand(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);

        Assert.Null(await store.LoadBrandMonitorAsync("acme", default));
        await store.SaveBrandMonitorAsync("acme", "{\"v\":1}"u8.ToArray(), default);
        await store.SaveBrandMonitorAsync("acme", "{\"v\":2}"u8.ToArray(), default);
        await store.SaveBrandMonitorAsync("globex", "{\"v\":9}"u8.ToArray(), default);

        Assert.Equal("{\"v\":2}"u8.ToArray(), await store.LoadBrandMonitorAsync("acme", default));
        Assert.Equal("{\"v\":9}", (string?)await connection.GetDatabase().StringGetAsync("test:{globex}:monitor"));
    }
}
