using Microsoft.Extensions.Logging.Abstractions;
using SocialCrm.Streaming.CareConsole.Views;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>The console shows a customer's public fields only: not the store's own (watermarks, version, expiry renewal, restore fields).</summary>
[Collection(RedisServersFixture.Collection)]
public sealed class CustomerReaderTests(RedisServersFixture servers)
{
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task The_state_shown_leaves_out_the_store_s_own_fields(string server)
    {
        using var connection = servers.GetClean(server).Connect();
        var store = new RedisCustomerStore(connection, new RedisStoreOptions { KeyPrefix = "view" });
        var id = EntityId.ForCustomer("acme", "c1");
        SnapshotField[] fields = [new("stage", "active"), new("wm:3", 17), new("x:clv", 120)];
        Assert.True(await store.WriteAsync(new CustomerWrite(id, 1, fields, 0.5, 0, [], [])));

        var state = await new CustomerReader(connection, store.Keys, new ForeignData(NullLogger<ForeignData>.Instance)).ReadStateAsync(id);

        Assert.Equal(new Dictionary<string, string> { ["stage"] = "active" }, state);
    }
}
