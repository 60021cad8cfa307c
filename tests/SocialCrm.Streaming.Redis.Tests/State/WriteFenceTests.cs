using System.Globalization;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Redis.Tests.State;

/// <summary>Once a partition's later owner has written to a brand, an older owner's writes of that partition change nothing.</summary>
public sealed class WriteFenceTests
{
    private static readonly RedisStoreOptions Options = new() { KeyPrefix = "fen" };

    private static CustomerWrite Write(int customer, WriteFence? fence, long version = 1) => new(
        EntityId.ForCustomer("acme", "c" + customer.ToString(CultureInfo.InvariantCulture)),
        version,
        [new SnapshotField("mentions", version)],
        RiskScore: null,
        AdvocacyScore: null,
        Volume: [new VolumeIncrement("202612011000", "negative", 1)],
        Signals: [])
    {
        Fence = fence,
    };

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task An_older_owner_writes_nothing_of_the_partition_once_the_new_owner_wrote(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var epochs = new RedisPartitionEpochs(connection, Options);
        var old = await epochs.ClaimAsync(3);
        var current = await epochs.ClaimAsync(3);
        Assert.True(current > old);

        // Before the new owner writes, the old one still may (its drain): flush versions guard each customer.
        Assert.True(await store.WriteAsync(Write(1, new WriteFence(3, old)), default));
        Assert.True(await store.WriteAsync(Write(2, new WriteFence(3, current)), default));
        Assert.False(await store.WriteAsync(Write(3, new WriteFence(3, old)), default));
        Assert.False(await store.WriteAsync(Write(1, new WriteFence(3, old), version: 2), default));

        // Another partition, and writes without a claim, are not fenced by it.
        Assert.True(await store.WriteAsync(Write(4, new WriteFence(5, old)), default));
        Assert.True(await store.WriteAsync(Write(5, null), default));

        Assert.Null(await store.LoadAsync(EntityId.ForCustomer("acme", "c3"), default));
        Assert.Equal(1, (await store.LoadAsync(EntityId.ForCustomer("acme", "c1"), default))!.Version);
        var db = connection.GetDatabase();
        Assert.Equal(4, (long)await db.HashGetAsync("fen:{acme}:volume:202612011000", "negative"));
        Assert.Equal(current, (long)await db.StringGetAsync("fen:{acme}:fence:3"));
        Assert.True(await db.KeyTimeToLiveAsync("fen:{acme}:fence:3") > TimeSpan.Zero);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Fenced_and_stale_sections_of_one_call_leave_the_others_applied(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        Assert.True(await store.WriteAsync(Write(0, new WriteFence(3, 7)), default));

        var results = await Task.WhenAll(Enumerable.Range(1, 40)
            .Select(i => store.WriteAsync(Write(i, new WriteFence(i % 2 == 0 ? 3 : 4, i % 4 == 0 ? 6 : 7)), default)));

        for (var i = 1; i <= 40; i++)
        {
            // Partition 3 is claimed at epoch 7: its sections at epoch 6 (every fourth customer) are refused.
            Assert.Equal(i % 4 != 0, results[i - 1]);
        }
        Assert.Equal(1 + 30, (long)await connection.GetDatabase().HashGetAsync("fen:{acme}:volume:202612011000", "negative"));
    }
}
