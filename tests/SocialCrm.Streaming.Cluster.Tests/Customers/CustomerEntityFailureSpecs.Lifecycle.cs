using Akka.Actor;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Cluster.Tests.Customers;

/// <summary>
/// The customer entity as the batched pipeline drives it: one message per batch under the sender's sequence number,
/// answered once under the same number; tombstones in order with the mentions around them; stops that wait for the
/// write in flight; refused writes and failed loads.
/// </summary>
public sealed partial class CustomerEntityFailureSpecs
{
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_batch_is_applied_in_one_write_and_answered_once_under_its_sequence_and_a_resent_batch_counts_nothing(string server)
    {
        var (entity, db, keys) = Start(server);
        var batch = new ApplyMentions(Customer.Value, [Mention(0), Mention(1), Mention(2)]) { Sequence = 41 };

        entity.Tell(batch);

        var applied = await ExpectMsgAsync<MentionsApplied>(Answer);
        Assert.Equal(41, applied.Sequence);
        Assert.All(applied.Observations, observation => Assert.NotNull(observation));
        Assert.Equal("3", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
        Assert.Equal("1", (string?)await db.HashGetAsync(keys.Customer(Customer), "flushVersion"));

        // The dispatcher sends a batch again after a timeout: answered again, nothing counted twice, nothing written.
        entity.Tell(batch);
        var again = await ExpectMsgAsync<MentionsApplied>(Answer);
        Assert.Equal(41, again.Sequence);
        Assert.All(again.Observations, observation => Assert.Null(observation));
        Assert.Equal("3", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
        Assert.Equal("1", (string?)await db.HashGetAsync(keys.Customer(Customer), "flushVersion"));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_tombstone_between_mentions_forgets_what_came_before_and_keeps_what_comes_after_in_order(string server)
    {
        var (entity, db, keys) = Start(server);

        entity.Tell(new ApplyMentions(Customer.Value, [Mention(0), Mention(1)]) { Sequence = 1 });
        entity.Tell(new ApplyProfile(Customer.Value, null, new SourcePosition(0, 2)) { Sequence = 2 });
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(3)]) { Sequence = 3 });

        Assert.Equal(1, (await ExpectMsgAsync<MentionsApplied>(Answer)).Sequence);
        var forgotten = await ExpectMsgAsync<ProfileApplied>(Answer);
        Assert.Equal((2, new SourcePosition(0, 2)), (forgotten.Sequence, forgotten.Position));
        var after = await ExpectMsgAsync<MentionsApplied>(Answer);
        Assert.Equal(3, after.Sequence);
        Assert.NotNull(Assert.Single(after.Observations));
        // Only the mention after the tombstone is the customer's now.
        Assert.Equal("1", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
    }

    /// <summary>Only a redis-server child process can be frozen (Garnet runs in this process).</summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_stop_while_a_write_is_in_flight_waits_for_the_write_and_answers_before_stopping(string server)
    {
        var redis = _servers.Get(server);
        var (entity, db, keys) = Start(server);
        Watch(entity);
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(0)]) { Sequence = 1 });
        await ExpectMsgAsync<MentionsApplied>(Answer);

        redis.Freeze();
        try
        {
            entity.Tell(new ApplyMentions(Customer.Value, [Mention(1)]) { Sequence = 2 });
            entity.Tell(StopCustomer.Instance);
            // The write is stuck in the frozen server: no answer, and the entity stays to finish it.
            await ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
        }
        finally
        {
            redis.Thaw();
        }
        Assert.Equal(2, (await ExpectMsgAsync<MentionsApplied>(Answer)).Sequence);
        await ExpectTerminatedAsync(entity, Answer);
        Assert.Equal("2", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
    }

    /// <summary>
    /// redis-server only: Garnet's answer to the flush script on a key of another type is not one that
    /// RedisRefusals recognises as refused, so there the write is retried as an outage.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_refused_write_fails_every_waiting_batch_under_its_own_sequence_and_stops_the_customer(string server)
    {
        var (entity, db, keys) = Start(server);
        Watch(entity);
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(0)]) { Sequence = 1 });
        await ExpectMsgAsync<MentionsApplied>(Answer);
        // Loaded and written once; now its key holds another type, so every later write is refused.
        await db.KeyDeleteAsync(keys.Customer(Customer));
        await db.StringSetAsync(keys.Customer(Customer), "not a hash");

        entity.Tell(new ApplyMentions(Customer.Value, [Mention(1)]) { Sequence = 2 });
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(2)]) { Sequence = 3 });

        var failed = new[] { await ExpectMsgAsync<CustomerFailed>(Answer), await ExpectMsgAsync<CustomerFailed>(Answer) };
        Assert.Equal([2L, 3L], failed.Select(f => f.Sequence).Order());
        Assert.All(failed, f => Assert.Equal(typeof(StoreRefusedException).FullName, f.ExceptionType));
        await ExpectTerminatedAsync(entity, Answer);
        Assert.Equal("not a hash", (string?)await db.StringGetAsync(keys.Customer(Customer)));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_failed_load_is_retried_and_the_batch_applied_once_the_stored_state_reads_back(string server)
    {
        var (entity, db, keys) = Start(server, refusedAttempts: 100);
        await db.HashSetAsync(keys.Customer(Customer), [new HashEntry("flushVersion", "7"), new HashEntry("mentions", "many")]);

        entity.Tell(new ApplyMentions(Customer.Value, [Mention(0)]) { Sequence = 5 });
        // Loads fail (the stored fields do not restore) and are retried; no answer meanwhile.
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        await db.KeyDeleteAsync(keys.Customer(Customer));

        var applied = await ExpectMsgAsync<MentionsApplied>(Answer);
        Assert.Equal(5, applied.Sequence);
        Assert.NotNull(Assert.Single(applied.Observations));
        Assert.Equal("1", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
    }

    /// <summary>
    /// Refusals count only in a row: a write that succeeds starts the count again, so a customer the store refuses now
    /// and then is not given up, while one refused as often as the bound in a row is.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Refusals_count_only_in_a_row_and_a_write_that_succeeds_starts_the_count_again(string server)
    {
        RefusingStore? refusing = null;
        var (entity, db, keys) = Start(server, scriptStore: store => refusing = new RefusingStore(store));
        Watch(entity);
        for (var offset = 0; offset < 2; offset++)
        {
            refusing!.RefuseNextWrites(RefusedAttempts - 1);
            entity.Tell(new ApplyMentions(Customer.Value, [Mention(offset)]) { Sequence = offset });
            Assert.Equal(offset, (await ExpectMsgAsync<MentionsApplied>(Answer)).Sequence);
        }
        Assert.Equal("2", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));

        refusing!.RefuseNextWrites(RefusedAttempts);
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(2)]) { Sequence = 2 });

        var failed = await ExpectMsgAsync<CustomerFailed>(Answer);
        Assert.Equal(2, failed.Sequence);
        Assert.Contains($"after {RefusedAttempts} attempt(s)", failed.Detail);
        await ExpectTerminatedAsync(entity, Answer);
        Assert.Equal("2", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
    }

    /// <summary>The Redis store, but for the next writes it is told to refuse: those fail as a refusal would, unsent.</summary>
    private sealed class RefusingStore(ICustomerStore store) : ICustomerStore
    {
        private int _refusals;

        public void RefuseNextWrites(int count) => Volatile.Write(ref _refusals, count);

        public void Write(CustomerWrite write, IWriteOutcome outcome)
        {
            if (Interlocked.Decrement(ref _refusals) >= 0)
            {
                outcome.Failed(new StoreRefusedException("refused by the test", new InvalidOperationException("scripted")));
                return;
            }
            Interlocked.Exchange(ref _refusals, 0);
            store.Write(write, outcome);
        }

        public Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken) => store.LoadAsync(id, cancellationToken);

        public Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken) =>
            store.WriteSignalsAsync(signals, cancellationToken);

        public Task ForgetAsync(Erasure erasure, CancellationToken cancellationToken) => store.ForgetAsync(erasure, cancellationToken);

        public Task<byte[]?> LoadBrandMonitorAsync(string brand, CancellationToken cancellationToken) =>
            store.LoadBrandMonitorAsync(brand, cancellationToken);

        public Task SaveBrandMonitorAsync(string brand, byte[] state, CancellationToken cancellationToken) =>
            store.SaveBrandMonitorAsync(brand, state, cancellationToken);
    }

    /// <summary>
    /// A write the store finds superseded — it lost the customer, or another incarnation stored a newer version — makes
    /// the entity load what is stored and apply again what waited, at once: the ask is answered without waiting for the
    /// sender's timeout, and counted once on what is stored. Superseded again at once (a fence: the node lost the
    /// partition to a later owner), it stops without answering, and the later owner goes on.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_superseded_write_reloads_and_applies_again_at_once_and_a_fenced_one_stops(string server)
    {
        var (entity, db, keys) = Start(server);
        var key = keys.Customer(Customer);
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(0), Mention(1)]) { Sequence = 1 });
        await ExpectMsgAsync<MentionsApplied>(Answer);

        await db.KeyDeleteAsync(key);
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(2)]) { Sequence = 2 });
        var afterLoss = await ExpectMsgAsync<MentionsApplied>(Answer);
        Assert.Equal(2, afterLoss.Sequence);
        Assert.NotNull(Assert.Single(afterLoss.Observations));
        Assert.Equal("1", (string?)await db.HashGetAsync(key, "mentions"));

        await db.HashSetAsync(key, "flushVersion", 7);
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(2), Mention(3)]) { Sequence = 3 });
        var afterAnother = await ExpectMsgAsync<MentionsApplied>(Answer);
        Assert.Equal(3, afterAnother.Sequence);
        Assert.Null(afterAnother.Observations[0]);
        Assert.NotNull(afterAnother.Observations[1]);
        Assert.Equal("2", (string?)await db.HashGetAsync(key, "mentions"));
        Assert.Equal("8", (string?)await db.HashGetAsync(key, "flushVersion"));

        var (zombie, _, zombieKeys) = Start(server, fence: new WriteFence(0, 5));
        await db.StringSetAsync(zombieKeys.Fence("acme", 0), "10");
        Watch(zombie);
        zombie.Tell(new ApplyMentions(Customer.Value, [Mention(0)]) { Sequence = 4 });
        await ExpectTerminatedAsync(zombie, Answer);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.False(await db.KeyExistsAsync(zombieKeys.Customer(Customer)));
    }
}
