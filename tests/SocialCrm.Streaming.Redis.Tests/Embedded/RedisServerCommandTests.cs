using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Tests.Embedded;

[CollectionDefinition(RedisServersFixture.Collection)]
public sealed class RedisServersCollection : ICollectionFixture<RedisServersFixture>;

/// <summary>
/// The command subset of the Redis contract (topology/redis-keys.md), against every server: real redis-server
/// (skipped, visibly, when not installed) and in-process Garnet.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class RedisServerCommandTests(RedisServersFixture servers)
{
    private static string Key(string name) => $"scrm:test:{name}:{Guid.NewGuid():N}";

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Hashes_lists_sorted_sets_and_strings(string server)
    {
        var s = servers.Get(server);
        using var redis = s.Connect();
        var db = redis.GetDatabase();

        var hash = Key("customer");
        await db.HashSetAsync(hash, [new("mentions", 1), new("score", "0.5"), new("level", "engaged")]);
        Assert.Equal(3, await db.HashIncrementAsync(hash, "mentions", 2));
        Assert.Equal("engaged", await db.HashGetAsync(hash, "level"));
        Assert.Equal(3, (await db.HashGetAllAsync(hash)).Length);
        Assert.False((await db.HashGetAsync(hash, "missing")).HasValue);

        var list = Key("alerts");
        for (var i = 0; i < 10; i++)
        {
            await db.ListLeftPushAsync(list, $"a{i}");
        }

        await db.ListTrimAsync(list, 0, 4); // newest first, capped
        Assert.Equal(["a9", "a8", "a7", "a6", "a5"], (await db.ListRangeAsync(list)).Select(v => v.ToString()));

        var zset = Key("risk");
        await db.SortedSetAddAsync(zset, [new("c1", 0.2), new("c2", 0.9), new("c3", 0.5)]);
        await db.SortedSetAddAsync(zset, "c1", 0.95);
        Assert.Equal(["c1", "c2", "c3"], (await db.SortedSetRangeByRankAsync(zset, 0, -1, Order.Descending)).Select(v => v.ToString()));
        Assert.Equal(0.95, await db.SortedSetScoreAsync(zset, "c1"));
        Assert.Equal(2, (await db.SortedSetRangeByScoreAsync(zset, 0.5, 1.0, Exclude.None, Order.Ascending)).Length - 1);

        var str = Key("s");
        Assert.True(await db.StringSetAsync(str, "v", when: When.NotExists));
        Assert.False(await db.StringSetAsync(str, "w", when: When.NotExists));
        Assert.Equal(5, await db.StringIncrementAsync(Key("n"), 5));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Expire_and_ttl(string server)
    {
        using var redis = servers.Get(server).Connect();
        var db = redis.GetDatabase();
        var key = Key("volume");
        await db.HashSetAsync(key, "positive", 1);
        Assert.True(await db.KeyExpireAsync(key, TimeSpan.FromSeconds(100)));
        var ttl = await db.KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(100));

        await db.KeyExpireAsync(key, TimeSpan.FromMilliseconds(200));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (await db.KeyExistsAsync(key) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(await db.KeyExistsAsync(key));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Publish_subscribe(string server)
    {
        var s = servers.Get(server);
        using var subscriberConnection = s.Connect();
        using var publisherConnection = s.Connect();
        var channel = RedisChannel.Literal(Key("alerts:live"));
        // The queue form delivers in order; handlers passed to SubscribeAsync may run concurrently, in any order.
        var received = await subscriberConnection.GetSubscriber().SubscribeAsync(channel);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, await publisherConnection.GetSubscriber().PublishAsync(channel, $"m{i}"));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var got = new List<string>();
        while (got.Count < 3)
        {
            got.Add((await received.ReadAsync(timeout.Token)).Message.ToString());
        }

        Assert.Equal(["m0", "m1", "m2"], got);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Multi_exec_transaction(string server)
    {
        using var redis = servers.Get(server).Connect();
        var db = redis.GetDatabase();
        var hash = Key("customer");
        var list = Key("alerts");

        var tx = db.CreateTransaction();
        tx.AddCondition(Condition.KeyNotExists(hash));
        _ = tx.HashSetAsync(hash, "mentions", 1);
        _ = tx.ListLeftPushAsync(list, "alert");
        _ = tx.KeyExpireAsync(list, TimeSpan.FromMinutes(5));
        Assert.True(await tx.ExecuteAsync());
        Assert.Equal(1, await db.HashGetAsync(hash, "mentions"));
        Assert.Equal(1, await db.ListLengthAsync(list));

        var again = db.CreateTransaction();
        again.AddCondition(Condition.KeyNotExists(hash)); // WATCH + MULTI/EXEC aborted
        _ = again.HashSetAsync(hash, "mentions", 99);
        Assert.False(await again.ExecuteAsync());
        Assert.Equal(1, await db.HashGetAsync(hash, "mentions"));

        // Raw MULTI/EXEC on one connection.
        var raw = db.CreateTransaction();
        var incr = raw.HashIncrementAsync(hash, "mentions");
        var len = raw.ListLengthAsync(list);
        Assert.True(await raw.ExecuteAsync());
        Assert.Equal(2, await incr);
        Assert.Equal(1, await len);
    }

    private const string IdempotentPush = """
        -- KEYS[1] = list, KEYS[2] = seen-set; ARGV[1] = id, ARGV[2] = payload, ARGV[3] = cap
        if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
        redis.call('LPUSH', KEYS[1], ARGV[2])
        redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
        return redis.call('LLEN', KEYS[1])
        """;

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Lua_eval_and_evalsha(string server)
    {
        var s = servers.Get(server);
        using var redis = s.Connect();
        var db = redis.GetDatabase();
        var list = Key("alerts");
        var seen = Key("alerts:ids");

        // EVAL
        Assert.Equal(1, (int)await db.ExecuteAsync("EVAL", IdempotentPush, 2, list, seen, "id-1", "{\"a\":1}", 3));
        Assert.Equal(0, (int)await db.ExecuteAsync("EVAL", IdempotentPush, 2, list, seen, "id-1", "{\"a\":1}", 3));

        // SCRIPT LOAD + EVALSHA
        var sha = (string)(await db.ExecuteAsync("SCRIPT", "LOAD", IdempotentPush))!;
        Assert.Equal(40, sha.Length);
        for (var i = 2; i <= 5; i++)
        {
            await db.ExecuteAsync("EVALSHA", sha, 2, list, seen, $"id-{i}", $"{{\"a\":{i}}}", 3);
        }

        Assert.Equal(0, (int)await db.ExecuteAsync("EVALSHA", sha, 2, list, seen, "id-5", "dup", 3));
        Assert.Equal(["{\"a\":5}", "{\"a\":4}", "{\"a\":3}"], (await db.ListRangeAsync(list)).Select(v => v.ToString()));

        // StackExchange.Redis's own script path (EVALSHA with EVAL fallback), and NOSCRIPT.
        var result = await db.ScriptEvaluateAsync("return redis.call('HINCRBY', KEYS[1], 'n', ARGV[1])", [Key("h")], [7]);
        Assert.Equal(7, (int)result);
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("EVALSHA", new string('0', 40), 0));
        Assert.Contains("NOSCRIPT", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A script that checks a key and then sets it, run by two clients at once on 2,000 keys: exactly one of each pair
    /// sets it, as every compare and set of ours (write fences, flush and case versions, outbox trims) needs. Garnet
    /// without <c>--lua-transaction-mode</c> let both set it in 150 to 854 of 2,000 pairs.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_script_runs_alone_two_checks_then_sets_of_one_key_never_both_pass(string server)
    {
        const string checkThenSet = """
            if redis.call('PTTL', KEYS[1]) == -2 then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', 60000)
              return 1
            end
            return 0
            """;
        var s = servers.Get(server);
        using var first = s.Connect();
        using var second = s.Connect();
        var notOne = 0;
        for (var i = 0; i < 2_000; i++)
        {
            RedisKey key = Key($"cas:{i}");
            var results = await Task.WhenAll(
                first.GetDatabase().ScriptEvaluateAsync(checkThenSet, [key], ["first"]),
                second.GetDatabase().ScriptEvaluateAsync(checkThenSet, [key], ["second"]));
            notOne += results.Sum(r => (long)r) == 1 ? 0 : 1;
        }
        Assert.Equal(0, notOne);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public void Connection_string_and_flushall(string server)
    {
        var s = servers.Get(server);
        Assert.Equal(server, s.Name);
        Assert.StartsWith($"127.0.0.1:{s.Port},", s.ConnectionString, StringComparison.Ordinal);
        using var redis = ConnectionMultiplexer.Connect(s.ConnectionString);
        var db = redis.GetDatabase(3);
        db.StringSet(Key("x"), "1");
        s.FlushAll();
        Assert.Equal(0, (long)db.Execute("DBSIZE"));
    }
}
