using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Redis.Tests.State;

/// <summary>
/// Writes of only the changed fields: the stored hash restores the state that whole writes store, and is never a partial
/// one (a new customer's first write leaves out only internal fields at their defaults, which restore the same).
/// </summary>
public sealed class CustomerChangesTests
{
    private static readonly RedisStoreOptions Options = new() { KeyPrefix = "test" };
    private static readonly EngagementEngine Engine = new(new RulesOptions { Competitors = ["globex"] });
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static readonly string[] Texts =
    [
        "Love the new app, great job acme!",
        "My internet is down again, this is unacceptable.",
        "Still waiting for a technician. Terrible service.",
        "I'm going to cancel my subscription and switch to globex",
        "WORST. SUPPORT. EVER. 😡",
        "Actually the engineer fixed it, thank you so much!",
    ];

    private static Mention Mention(int i) => new()
    {
        Id = $"m{i}",
        Platform = Platform.X,
        Brand = "acme",
        CustomerId = "c",
        Author = new Author("u1", Followers: 1_000 * i),
        Text = Texts[i % Texts.Length],
        CreatedAt = T0.AddHours(5 * i),
    };

    private static CustomerWrite ChangesWrite(CustomerState state, long version) =>
        CustomerWrite.Of(state.Id, version, state.TakeUnwrittenChanges(), [], []);

    private static CustomerWrite WholeWrite(CustomerState state, long version) =>
        new(state.Id, version, state.ToSnapshotFields(), state.RiskScore, state.AdvocacyScore, [], []);

    private static Dictionary<string, string> Text(IEnumerable<KeyValuePair<string, string>> fields) => new(fields);

    /// <summary>The snapshot of the state a stored hash restores.</summary>
    private static Dictionary<string, string> Restored(EntityId id, StoredCustomer stored) =>
        Text(CustomerState.FromSnapshot(id, stored.Fields).ToSnapshotFields().Select(f => KeyValuePair.Create(f.Name, f.Value)));

    private static Dictionary<string, string> Snapshot(CustomerState state) => state.ToSnapshotFields().ToDictionary(f => f.Name, f => f.Value);

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Writes_of_changes_store_the_same_hash_as_whole_writes(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var db = connection.GetDatabase();
        var byChanges = CustomerState.New(EntityId.ForCustomer("acme", "by-changes"));
        var whole = CustomerState.New(EntityId.ForCustomer("acme", "whole"));
        Engine.ApplyProfile(byChanges, new CustomerProfile(ValueTier.Gold, 120.5, "family", true));
        Engine.ApplyProfile(whole, new CustomerProfile(ValueTier.Gold, 120.5, "family", true));
        long version = 1;
        Assert.True(await store.WriteAsync(ChangesWrite(byChanges, version)));
        Assert.True(await store.WriteAsync(WholeWrite(whole, version)));

        for (var i = 0; i < 14; i++)
        {
            version++;
            var position = new SourcePosition(i % 4 == 3 ? 2 : 1, 100 + i);
            Engine.Apply(byChanges, Mention(i), position, []);
            Engine.Apply(whole, Mention(i), position, []);
            if (i == 11)
            {
                Engine.ApplyProfile(byChanges, new CustomerProfile(ValueTier.Silver, 1, null, ConsentProcessing: false));
                Engine.ApplyProfile(whole, new CustomerProfile(ValueTier.Silver, 1, null, ConsentProcessing: false));
            }
            Assert.True(await store.WriteAsync(ChangesWrite(byChanges, version)));
            Assert.True(await store.WriteAsync(WholeWrite(whole, version)));

            var storedByChanges = (await store.LoadAsync(byChanges.Id, default))!;
            var storedWhole = (await store.LoadAsync(whole.Id, default))!;
            Assert.Equal(Restored(whole.Id, storedWhole), Restored(byChanges.Id, storedByChanges));
            Assert.Equal(Snapshot(whole), Restored(byChanges.Id, storedByChanges));
            Assert.Equal(version, storedByChanges.Version);
            foreach (var leaderboard in new[] { "test:{acme}:risk", "test:{acme}:advocates" })
            {
                Assert.Equal(await db.SortedSetScoreAsync(leaderboard, whole.Id.Value), await db.SortedSetScoreAsync(leaderboard, byChanges.Id.Value));
            }
            if (i == 6)
            {
                // A new incarnation goes on from the stored hash.
                byChanges = CustomerState.FromSnapshot(byChanges.Id, storedByChanges.Fields);
            }
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_write_of_changes_applies_only_on_top_of_its_base_version(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var state = CustomerState.New(EntityId.ForCustomer("acme", "c"));
        Engine.Apply(state, Mention(0), new SourcePosition(0, 0), []);
        Assert.True(await store.WriteAsync(ChangesWrite(state, 1)));
        Engine.Apply(state, Mention(1), new SourcePosition(0, 1), []);
        var second = ChangesWrite(state, 2);

        Assert.False(await store.WriteAsync(second with { Version = 3, BaseVersion = 2 }));
        Assert.Equal(1, (await store.LoadAsync(state.Id, default))!.Version);
        Assert.True(await store.WriteAsync(second));
        Assert.False(await store.WriteAsync(second));
        Assert.Equal(Snapshot(state), Restored(state.Id, (await store.LoadAsync(state.Id, default))!));

        // Forgotten meanwhile (by another incarnation): changes must not leave a partial hash behind.
        await store.ForgetAsync(new Erasure(state.Id, new SourcePosition(0, 9)), default);
        Engine.Apply(state, Mention(2), new SourcePosition(0, 2), []);
        Assert.False(await store.WriteAsync(ChangesWrite(state, 3)));
        Assert.False(await connection.GetDatabase().KeyExistsAsync(store.Keys.Customer(state.Id)));
        Assert.All((await store.LoadAsync(state.Id, default))!.Fields, f => Assert.StartsWith("wm:", f.Key, StringComparison.Ordinal));
    }
}
