using System.Globalization;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

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
        Assert.True(await store.WriteAsync(Write(1, new WriteFence(3, old))));
        Assert.True(await store.WriteAsync(Write(2, new WriteFence(3, current))));
        Assert.False(await store.WriteAsync(Write(3, new WriteFence(3, old))));
        Assert.False(await store.WriteAsync(Write(1, new WriteFence(3, old), version: 2)));

        // Another partition, and writes without a claim, are not fenced by it.
        Assert.True(await store.WriteAsync(Write(4, new WriteFence(5, old))));
        Assert.True(await store.WriteAsync(Write(5, null)));

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
        Assert.True(await store.WriteAsync(Write(0, new WriteFence(3, 7))));

        var results = await Task.WhenAll(Enumerable.Range(1, 40)
            .Select(i => store.WriteAsync(Write(i, new WriteFence(i % 2 == 0 ? 3 : 4, i % 4 == 0 ? 6 : 7)))));

        for (var i = 1; i <= 40; i++)
        {
            // Partition 3 is claimed at epoch 7: its sections at epoch 6 (every fourth customer) are refused.
            Assert.Equal(i % 4 != 0, results[i - 1]);
        }
        Assert.Equal(1 + 30, (long)await connection.GetDatabase().HashGetAsync("fen:{acme}:volume:202612011000", "negative"));
    }
    /// <summary>
    /// A fence no claim wrote (another hand's value, a key of another type, an epoch far ahead of the clock) counts as
    /// none: the write applies and the fence takes its epoch, which then fences an older owner as before.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_fence_no_claim_wrote_is_replaced_by_the_writers_epoch_and_fences_again(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var epochs = new RedisPartitionEpochs(connection, Options);
        var db = connection.GetDatabase();
        var farAhead = DateTimeOffset.UtcNow.AddDays(3).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        string[] unreadable = ["garbage", "", "nan", "1e400", farAhead];
        for (var i = 0; i <= unreadable.Length; i++)
        {
            var fence = $"fen:{{acme}}:fence:{i}";
            if (i < unreadable.Length)
            {
                await db.StringSetAsync(fence, unreadable[i]);
            }
            else
            {
                await db.ListRightPushAsync(fence, "a list");
            }
            var older = await epochs.ClaimAsync(i);
            var current = await epochs.ClaimAsync(i);
            Assert.True(await store.WriteAsync(Write(10 * i + 1, new WriteFence(i, current))), $"fence holding {(i < unreadable.Length ? unreadable[i] : "a list")}");
            Assert.Equal(current, (long)await db.StringGetAsync(fence));
            Assert.False(await store.WriteAsync(Write(10 * i + 2, new WriteFence(i, older))));
        }
    }

    /// <summary>
    /// Claims stay above the fences of earlier claims when the epochs hash was lost, or holds values no claim wrote
    /// (or is a key of another type): otherwise every write of the partition would be refused as a stale owner's.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_claim_after_the_epochs_were_lost_or_changed_is_above_every_earlier_claim(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var epochs = new RedisPartitionEpochs(connection, Options);
        var db = connection.GetDatabase();
        const string key = "fen:epochs";
        var earlier = await epochs.ClaimAsync(0);
        Assert.True(await epochs.ClaimAsync(0) > earlier);

        // A lost hash leaves only the clock to go by: claims in one millisecond could meet, assignments never are.
        await Task.Delay(5);
        await db.KeyDeleteAsync(key);
        var afterLoss = await epochs.ClaimAsync(0);
        Assert.True(afterLoss > earlier, $"{afterLoss} after the loss, {earlier} before");

        await Task.Delay(5);
        await db.HashSetAsync(key, [new("0", "not a number"), new("1", "99999999999999999999")]);
        Assert.True(await epochs.ClaimAsync(0) > afterLoss);
        Assert.InRange(await epochs.ClaimAsync(1), afterLoss, DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());

        await Task.Delay(5);
        await db.StringSetAsync(key, "a string");
        Assert.True(await epochs.ClaimAsync(0) > afterLoss);
        Assert.Equal(RedisType.Hash, await db.KeyTypeAsync(key));
    }
}
