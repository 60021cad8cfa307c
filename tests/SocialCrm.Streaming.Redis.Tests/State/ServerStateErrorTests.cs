using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Tests.State;

/// <summary>
/// A server that cannot write for a reason of its own (full, or turned into a replica) fails a flush as the server's
/// error, which the entity retries while it lasts, never as a refusal of the customer's data, which would set the
/// customer's records aside; once it can write again, the same flush applies once. Real Redis only: Garnet has neither
/// such a memory limit nor replicas.
/// </summary>
public sealed class ServerStateErrorTests
{
    private static readonly RedisStoreOptions Options = new() { KeyPrefix = "srv" };
    private static readonly EntityId Customer = EntityId.ForCustomer("acme", "c1");

    private static CustomerWrite Write(long version) =>
        new(Customer, version, [new("mentions", version)], 0.5, AdvocacyScore: null, Volume: [new("202612011000", "negative", 1)],
            Signals: [new($"a{version}", "acme", SignalStream.CrisisAlerts, Customer.Value, $"{{\"alertId\":\"a{version}\"}}", "influencer-negative", "P1")])
        {
            BaseVersion = version == 1 ? null : version - 1,
            Timeline = ["{\"id\":\"m\"}"u8.ToArray()],
        };

    /// <summary>Why the server cannot write.</summary>
    public enum Block { Full, Replica }

    [RedisTheory]
    [InlineData(RedisServers.Redis, Block.Full, "OOM ")]
    [InlineData(RedisServers.Redis, Block.Replica, "READONLY ")]
    public async Task A_server_that_cannot_write_fails_the_flush_as_its_own_error_and_applies_it_once_it_can(string name, Block block, string code)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var db = connection.GetDatabase();
        Assert.True(await store.WriteAsync(Write(1)));
        await SetBlockedAsync(db, block, blocked: true);

        var failed = await Assert.ThrowsAsync<RedisServerException>(() => store.WriteAsync(Write(2)));
        Assert.StartsWith(code, failed.Message);

        await SetBlockedAsync(db, block, blocked: false);
        Assert.True(await store.WriteAsync(Write(2)));
        Assert.Equal(2, (long)await db.HashGetAsync("srv:{acme}:volume:202612011000", "negative"));
        Assert.Equal(2, await db.ListLengthAsync(store.Keys.Timeline(Customer)));
        Assert.Equal(2, await db.ListLengthAsync("srv:{acme}:alerts"));
    }

    private static async Task SetBlockedAsync(IDatabase db, Block block, bool blocked)
    {
        switch (block)
        {
            case Block.Full:
                await db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
                await db.ExecuteAsync("CONFIG", "SET", "maxmemory", blocked ? "1" : "0");
                break;
            case Block.Replica:
                // A replica of a primary nobody serves keeps its data and refuses writes.
                await (blocked ? db.ExecuteAsync("REPLICAOF", "127.0.0.1", "1") : db.ExecuteAsync("REPLICAOF", "NO", "ONE"));
                break;
        }
    }
}
