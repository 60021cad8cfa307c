using System.Globalization;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Tests.State;

/// <summary>Flushes that arrive together are written together, one script call per brand, each flush on its own terms.</summary>
public sealed class CustomerWriteGroupsTests
{
    private static readonly RedisStoreOptions Options = new() { KeyPrefix = "grp", ListCapacity = 10_000 };

    private static CustomerWrite Write(string brand, int customer, long version = 1, int negative = 2, params OutboundSignal[] signals) => new(
        EntityId.ForCustomer(brand, "c" + customer.ToString(CultureInfo.InvariantCulture)),
        version,
        [new SnapshotField("mentions", version)],
        RiskScore: customer % 3 == 0 ? 0.5 : null,
        AdvocacyScore: null,
        Volume: [new VolumeIncrement("202612011000", "negative", negative), new VolumeIncrement("202612011001", "positive", 1)],
        Signals: signals);

    private static OutboundSignal Alert(string brand, int customer) =>
        new($"a{customer}", brand, SignalStream.CrisisAlerts, $"{brand}:c{customer}", $"{{\"alertId\":\"a{customer}\"}}", "volume-spike", "P2");

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Many_customers_flushed_at_once_are_all_written_with_exact_counts_in_fewer_calls(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        const int PerBrand = 600;
        var calls = await ScriptCallsAsync(connection);

        var writes = Enumerable.Range(0, 2 * PerBrand)
            .Select(i => Write(i % 2 == 0 ? "acme" : "zeta", i, signals: i % 10 < 2 ? [Alert(i % 2 == 0 ? "acme" : "zeta", i)] : []))
            .Select(write => store.WriteAsync(write))
            .ToArray();

        Assert.All(await Task.WhenAll(writes), Assert.True);
        var db = connection.GetDatabase();
        foreach (var brand in new[] { "acme", "zeta" })
        {
            Assert.Equal(2 * PerBrand, (long)await db.HashGetAsync($"grp:{{{brand}}}:volume:202612011000", "negative"));
            Assert.Equal(PerBrand, (long)await db.HashGetAsync($"grp:{{{brand}}}:volume:202612011001", "positive"));
            Assert.Equal(PerBrand / 5, await db.ListLengthAsync($"grp:{{{brand}}}:alerts"));
            Assert.Equal(PerBrand / 3, await db.SortedSetLengthAsync($"grp:{{{brand}}}:risk"));
            Assert.True(await db.KeyTimeToLiveAsync($"grp:{{{brand}}}:volume:202612011001") > TimeSpan.Zero);
        }
        var loaded = await store.LoadAsync(EntityId.ForCustomer("zeta", "c599"), default);
        Assert.Equal(1, loaded!.Version);
        var after = await ScriptCallsAsync(connection);
        if (name == RedisServers.Redis)
        {
            // Concurrent flushes gathered into groups: far fewer script calls than flushes (redis-server counts them).
            Assert.InRange(after!.Value - calls!.Value, 2, 2 * PerBrand / 4);
        }
    }

    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_flush_call_carries_exactly_its_keys_and_arguments_not_the_spare_entries_of_its_pooled_arrays(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var admin = connection.GetServers()[0];
        var store = new RedisCustomerStore(connection, Options);
        // A call of many arguments first, so its larger arrays are what the pools hold when the next call rents.
        Assert.True(await store.WriteAsync(Write("acme", 1) with { Fields = [.. Enumerable.Range(0, 300).Select(i => new SnapshotField($"f{i}", i))] }));
        await admin.ExecuteAsync("CONFIG", "SET", "slowlog-log-slower-than", "0");
        await admin.SlowlogResetAsync();

        Assert.True(await store.WriteAsync(Write("acme", 2)));

        // One section of 1 field, 2 volume minutes, no signal or timeline entry: KEYS are the 5 shared, the 2 minutes,
        // the customer and its timeline (9); ARGV the 13 of the header and 20 of the section. With the command, the
        // script and the key count: 45. The log keeps 31 of them and counts the rest.
        var call = Assert.Single(await admin.SlowlogGetAsync(128), entry => ((string)entry.Arguments[0]!).StartsWith("EVAL", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("9", (string)call.Arguments[2]!);
        Assert.Equal("... (14 more arguments)", (string)call.Arguments[^1]!);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_stale_flush_in_a_group_changes_nothing_while_the_others_apply(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        Assert.True(await store.WriteAsync(Write("acme", 1, negative: 5)));

        var results = await Task.WhenAll(
            store.WriteAsync(Write("acme", 1, negative: 5)),
            store.WriteAsync(Write("acme", 2, negative: 7)),
            store.WriteAsync(Write("acme", 3, negative: 11)));

        Assert.Equal([false, true, true], results);
        Assert.Equal(5 + 7 + 11, (long)await connection.GetDatabase().HashGetAsync("grp:{acme}:volume:202612011000", "negative"));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_customer_whose_key_holds_another_type_fails_alone(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var db = connection.GetDatabase();
        await db.StringSetAsync("grp:{acme}:customer:c13", "not a hash");

        var writes = Enumerable.Range(0, 50).Select(i => store.WriteAsync(Write("acme", i))).ToArray();

        await Assert.ThrowsAsync<StoreRefusedException>(() => writes[13]);
        for (var i = 0; i < writes.Length; i++)
        {
            if (i != 13)
            {
                Assert.True(await writes[i]);
                Assert.NotNull(await store.LoadAsync(EntityId.ForCustomer("acme", "c" + i.ToString(CultureInfo.InvariantCulture)), default));
            }
        }
        Assert.Equal(2 * 49, (long)await db.HashGetAsync("grp:{acme}:volume:202612011000", "negative"));
    }

    /// <summary>
    /// The brand's shared keys are the processor's alone: one of another type (another hand's), or a count that is not a
    /// number, is replaced and named, where before it refused every customer of the brand, whose mentions were
    /// dead-lettered once they gave up.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_brand_key_of_another_type_is_replaced_and_named_and_every_customer_is_written(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var replaced = new List<string>();
        var store = new RedisCustomerStore(connection, Options, keyReplaced: key => { lock (replaced) { replaced.Add(key); } });
        var db = connection.GetDatabase();
        var keys = store.Keys;
        await db.StringSetAsync(keys.Risk("acme"), "a string");
        await db.ListRightPushAsync(keys.RankedLastSeen("acme"), "a list");
        await db.StringSetAsync(keys.Alerts("acme"), "a string");
        await db.HashSetAsync(keys.Triggers("acme"), "a", "hash");
        await db.SetAddAsync(keys.Volume("acme", "202612011000"), "a set");
        await db.HashSetAsync(keys.Volume("acme", "202612011001"), [new("positive", "many"), new("neutral", "4")]);
        // Taken for the alert's mark before: the alert was never listed.
        await db.ListRightPushAsync(keys.SignalSeen("acme", "a10"), "a list");
        await db.StringSetAsync(keys.Advocates("acme"), "a string");

        var writes = Enumerable.Range(0, 30).Select(i => store.WriteAsync(Write("acme", i, signals: i % 10 == 0 ? [Alert("acme", i)] : []))).ToArray();

        Assert.All(await Task.WhenAll(writes), Assert.True);
        Assert.Equal(2 * 30, (long)await db.HashGetAsync(keys.Volume("acme", "202612011000"), "negative"));
        // A count that is not a number starts again; the minute's other counts are kept.
        Assert.Equal(30, (long)await db.HashGetAsync(keys.Volume("acme", "202612011001"), "positive"));
        Assert.Equal(4, (long)await db.HashGetAsync(keys.Volume("acme", "202612011001"), "neutral"));
        Assert.Equal(10, await db.SortedSetLengthAsync(keys.Risk("acme")));
        Assert.Equal(10, await db.SortedSetLengthAsync(keys.RankedLastSeen("acme")));
        Assert.Equal(3, await db.ListLengthAsync(keys.Alerts("acme")));
        // Written to only when a flush needs them: the triggers list and the advocates ranking keep what another hand put there.
        Assert.Equal(RedisType.Hash, await db.KeyTypeAsync(keys.Triggers("acme")));
        Assert.Equal(RedisType.String, await db.KeyTypeAsync(keys.Advocates("acme")));
        List<string> expected = [keys.Alerts("acme"), keys.RankedLastSeen("acme"), keys.Risk("acme"), keys.Volume("acme", "202612011000"), keys.Volume("acme", "202612011001")];
        if (name == RedisServers.Redis)
        {
            // Garnet keeps strings apart from lists: its GET of the list answers nil, and the mark is set beside it.
            expected.Add(keys.SignalSeen("acme", "a10"));
        }
        Assert.Equal(expected.Order(), replaced.Order());
    }

    /// <summary>
    /// A busy brand's group of wide flushes (a whole snapshot each) goes out in several calls, each with an argument array
    /// below the 85,000 bytes from which .NET allocates it on the large object heap: before, one call took 128 such
    /// flushes, 17,000 arguments (276 KB), and those arrays started gen2 collections in a busy node.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Wide_flushes_gathered_at_once_go_out_in_calls_whose_arguments_stay_off_the_large_object_heap(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        var admin = connection.GetServers()[0];
        var logsCalls = name == RedisServers.Redis;
        if (logsCalls)
        {
            // Every command in the slow log, with its argument count: redis-server keeps 31 arguments and "... (N more arguments)".
            await admin.ExecuteAsync("CONFIG", "SET", "slowlog-log-slower-than", "0");
            await admin.ExecuteAsync("CONFIG", "SET", "slowlog-max-len", "10000");
            await admin.ExecuteAsync("SLOWLOG", "RESET");
        }
        const int Flushes = 600;
        const int FieldsEach = 60;

        var writes = Enumerable.Range(0, Flushes).Select(i => store.WriteAsync(WideWrite(i, FieldsEach))).ToArray();

        Assert.All(await Task.WhenAll(writes), Assert.True);
        Assert.Equal(Flushes, (long)await connection.GetDatabase().HashGetAsync("grp:{acme}:volume:202612011000", "neutral"));
        foreach (var customer in new[] { 0, 299, Flushes - 1 })
        {
            var loaded = await store.LoadAsync(WideWrite(customer, FieldsEach).Id, default);
            Assert.Equal(WideWrite(customer, FieldsEach).Fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Integer.ToString(CultureInfo.InvariantCulture))),
                loaded!.Fields.OrderBy(f => int.Parse(f.Key[1..], CultureInfo.InvariantCulture)));
        }
        if (logsCalls)
        {
            var scriptArguments = ((RedisResult[])(await admin.ExecuteAsync("SLOWLOG", "GET", "-1"))!)
                .Select(entry => ((RedisResult[])entry!)[3])
                .Select(command => ((RedisResult[])command!).Select(argument => (string)argument!).ToArray())
                .Where(command => command[0].ToLowerInvariant() is "evalsha" or "eval")
                .Select(command => ArgumentCount(command) - 3 - int.Parse(command[2], CultureInfo.InvariantCulture))
                .ToList();
            Assert.InRange(scriptArguments.Count, 2, Flushes);
            Assert.All(scriptArguments, arguments => Assert.InRange(arguments * 16, 0, 85_000 - 1));
            Assert.Equal(Flushes * (6 + 2 * FieldsEach + 4 + 3 + 1 + 1) + scriptArguments.Count * 13, scriptArguments.Sum());
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Each_flush_s_outcome_is_told_once_and_a_flush_that_cannot_be_built_fails_through_its_outcome(string name)
    {
        using var server = RedisServers.Start(name);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, Options);
        Assert.True(await store.WriteAsync(Write("acme", 0)));
        var outcomes = Enumerable.Range(0, 301).Select(_ => new RecordedOutcome()).ToArray();
        var unbuildable = Write("acme", 300) with { Fields = null! };

        // Customer 0's version 1 is stored already (stale); the rest are new; the last one's fields are missing.
        for (var i = 0; i < outcomes.Length; i++)
        {
            store.Write(i == 300 ? unbuildable : Write("acme", i), outcomes[i]);
        }

        var told = await Task.WhenAll(outcomes.Select(outcome => outcome.Told));
        Assert.Equal("stale", told[0]);
        Assert.All(told[1..300], outcome => Assert.Equal("applied", outcome));
        Assert.StartsWith("failed: ", told[300]);
        Assert.All(outcomes, outcome => Assert.Equal(1, outcome.Count));
        Assert.Equal(2 + 299 * 2, (long)await connection.GetDatabase().HashGetAsync("grp:{acme}:volume:202612011000", "negative"));
    }

    /// <summary>What a writer was told about its flush, and how many times.</summary>
    private sealed class RecordedOutcome : IWriteOutcome
    {
        private readonly TaskCompletionSource<string> _told = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public Task<string> Told => _told.Task;

        public int Count => Volatile.Read(ref _count);

        public void Applied() => Tell("applied");

        public void Stale() => Tell("stale");

        public void Failed(Exception cause) => Tell("failed: " + cause.GetType().Name);

        private void Tell(string outcome)
        {
            Interlocked.Increment(ref _count);
            _told.TrySetResult(outcome);
        }
    }

    private static CustomerWrite WideWrite(int customer, int fields) => new(
        EntityId.ForCustomer("acme", "w" + customer.ToString(CultureInfo.InvariantCulture)),
        1,
        [.. Enumerable.Range(0, fields).Select(f => new SnapshotField("f" + f.ToString(CultureInfo.InvariantCulture), customer * 1_000L + f))],
        RiskScore: null,
        AdvocacyScore: null,
        Volume: [new VolumeIncrement("202612011000", "neutral", 1)],
        Signals: []);

    /// <summary>A slow log entry's argument count: the arguments it kept, or 31 and the number its last one says it left out.</summary>
    private static int ArgumentCount(string[] logged) =>
        logged[^1] is var last && last.StartsWith("... (", StringComparison.Ordinal)
            ? logged.Length - 1 + int.Parse(last["... (".Length..last.IndexOf(' ', "... (".Length)], CultureInfo.InvariantCulture)
            : logged.Length;

    /// <summary>Script calls the server has served (EVALSHA and EVAL); null where it does not report command counts.</summary>
    private static async Task<long?> ScriptCallsAsync(IConnectionMultiplexer connection) =>
        await RedisCommandStats.CallsAsync(connection.GetServers()[0]) is { } calls ? calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval") : null;
}
