using System.Globalization;
using System.Text;
using System.Text.Json;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Erasure that sticks, from outside: a customer (or prospect) whose mentions raised signals, a care case opened on
/// one of them, then their tombstone. Afterwards no key, list entry or value in Redis names them; replaying the
/// topics from the start (a new consumer group) does not bring them back; the erasure is announced once.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class ErasureTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 4;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_tombstone_erases_every_copy_of_a_customer_and_a_replay_does_not_bring_them_back(string server)
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), Partitions);
        const string erased = "cust-erase-7", kept = "cust-keep-8";
        await RunAsync(scenario, $"acme:{erased}", ProduceCustomerTombstone(scenario, $"acme:{erased}"), $"acme:{kept}",
            Mentions(erased, customer: true).Concat(Mentions(kept, customer: true)), erased);
    }

    /// <summary>On a Redis Cluster the erasure is one script too: every key it names carries the brand's hash tag.</summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task On_a_three_master_cluster_a_tombstone_erases_every_copy_and_a_replay_does_not_bring_them_back(string server)
    {
        Assert.Equal(RedisServers.Redis, server);
        using var cluster = RedisCluster.Start(masters: 3);
        var scenario = ProcessorScenario.Create(kafka, cluster, Partitions);
        const string erased = "cust-erase-9", kept = "cust-keep-10";
        await RunAsync(scenario, $"acme:{erased}", ProduceCustomerTombstone(scenario, $"acme:{erased}"), $"acme:{kept}",
            Mentions(erased, customer: true).Concat(Mentions(kept, customer: true)), erased);
    }

    [Fact]
    public async Task Forget_author_erases_a_prospect_through_the_real_command_and_a_replay_does_not_bring_them_back()
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(RedisServers.Redis), Partitions);
        const string erased = "prospect-erase-3", kept = "prospect-keep-4";
        await RunAsync(scenario, $"acme:x:{erased}", async () =>
        {
            var (code, stdout, stderr) = await SocialCrmProcess.RunAsync(TimeSpan.FromSeconds(60),
                "forget", "--kafka", kafka.BootstrapServers, "--brand", "acme", "--author", $"x:{erased}", "--topic", scenario.Topics.Profiles);
            output.WriteLine($"forget -> {code}: {stdout}{stderr}");
            Assert.Equal(0, code);
            Assert.Contains($"tombstone for acme:x:{erased} published to {scenario.Topics.Profiles}", stdout, StringComparison.Ordinal);
        }, $"acme:x:{kept}", Mentions(erased, customer: false).Concat(Mentions(kept, customer: false)), erased);
    }

    /// <summary>With authors pseudonymised the processor only ever saw the keyed hash: the tombstone names that, not the author.</summary>
    [Fact]
    public async Task Forget_author_with_pseudonymised_authors_publishes_the_tombstone_of_the_keyed_hash()
    {
        var key = new byte[32];
        new Random(11).NextBytes(key);
        var environment = new Dictionary<string, string>
        {
            ["SOCIALCRM__Privacy__PseudonymiseAuthors"] = "true",
            ["SOCIALCRM__Privacy__PseudonymKey"] = Convert.ToBase64String(key),
        };
        var topic = kafka.CreateUniqueTopic("profiles", Partitions);
        using var process = SocialCrmProcess.Start(environment,
            "forget", "--kafka", kafka.BootstrapServers, "--brand", "acme", "--author", "twitter:12345", "--topic", topic);
        process.Input.Close();
        var (code, stdout, stderr) = await process.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"forget -> {code}: {stdout}{stderr}");
        Assert.Equal(0, code);
        var pseudonym = new SocialCrm.Streaming.Domain.Privacy.Pseudonymizer(key).AuthorId(SocialCrm.Streaming.Domain.Mentions.Platform.Twitter, "12345");
        Assert.Contains($"tombstone for acme:twitter:{pseudonym} published to {topic}", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("12345", stdout, StringComparison.Ordinal);

        environment.Remove("SOCIALCRM__Privacy__PseudonymKey");
        using var keyless = SocialCrmProcess.Start(environment,
            "forget", "--kafka", kafka.BootstrapServers, "--brand", "acme", "--author", "x:12345", "--topic", topic);
        keyless.Input.Close();
        var (refused, _, error) = await keyless.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, refused);
        Assert.Contains("Privacy:PseudonymiseAuthors needs Privacy:PseudonymKey", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forget_exits_2_on_bad_usage_and_1_when_no_broker_takes_the_tombstone()
    {
        (string Because, string[] Args)[] usages =
        [
            ("neither --customer nor --author", ["forget", "--kafka", "127.0.0.1:1", "--brand", "acme"]),
            ("both", ["forget", "--kafka", "127.0.0.1:1", "--brand", "acme", "--customer", "c1", "--author", "x:1"]),
            ("a brand in capitals", ["forget", "--kafka", "127.0.0.1:1", "--brand", "ACME", "--customer", "c1"]),
            ("a customer id with a colon", ["forget", "--kafka", "127.0.0.1:1", "--brand", "acme", "--customer", "x:1"]),
            ("an unknown platform", ["forget", "--kafka", "127.0.0.1:1", "--brand", "acme", "--author", "myspace:1"]),
            ("an author without id", ["forget", "--kafka", "127.0.0.1:1", "--brand", "acme", "--author", "x:"]),
            // Ids no mention can carry: the processor would set their tombstones aside (invalid-profile).
            ("a customer id of 129 characters", ["forget", "--kafka", "127.0.0.1:1", "--brand", "acme", "--customer", new string('c', 129)]),
            ("an author id of 129 characters", ["forget", "--kafka", "127.0.0.1:1", "--brand", "acme", "--author", "x:" + new string('a', 129)]),
        ];
        foreach (var (because, args) in usages)
        {
            var (code, _, stderr) = await SocialCrmProcess.RunAsync(TimeSpan.FromSeconds(60), args);
            output.WriteLine($"{because} -> {code}: {stderr.Trim()}");
            Assert.True(code == 2, $"{because}: exit {code}, {stderr}");
        }
        var (refused, _, error) = await SocialCrmProcess.RunAsync(TimeSpan.FromSeconds(60),
            "forget", "--kafka", $"127.0.0.1:{FreePort.Next()}", "--brand", "acme", "--customer", "c1", "--timeout", "2s");
        output.WriteLine($"no broker -> {refused}: {error.Trim()}");
        Assert.Equal(1, refused);
        Assert.Contains("acme:c1", error, StringComparison.Ordinal);
    }

    private Func<Task> ProduceCustomerTombstone(ProcessorScenario scenario, string entityId) => () =>
    {
        kafka.Produce(scenario.Topics.Profiles, [(Encoding.UTF8.GetBytes(entityId), (byte[])null!, (Confluent.Kafka.Headers?)null)]);
        return Task.CompletedTask;
    };

    private async Task RunAsync(ProcessorScenario scenario, string erasedEntity, Func<Task> tombstone, string keptEntity,
        IEnumerable<(string Key, byte[] Value)> mentions, string erasedId)
    {
        var produced = mentions.Concat(OnEveryPartition()).ToList();
        kafka.Produce(scenario.Topics.Mentions, produced.Select(m => ((string?)m.Key, m.Value)));
        using var connection = scenario.Redis.Connect();
        var db = connection.GetDatabase();

        await using (var node = scenario.StartNode())
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(Wait);
            var signals = await scenario.ReadSignalsAsync();
            var theirs = signals.Where(s => s.Json.Contains(erasedEntity, StringComparison.Ordinal)).ToList();
            output.WriteLine($"before: {string.Join("; ", signals.Select(s => s.Description))}");
            Assert.NotEmpty(theirs);
            Assert.NotEmpty(await NamingAsync(connection, scenario.KeyPrefix, erasedId));
            // A care case on one of their signals, as the console writes it (topology/redis-keys.md, "Care console").
            var signalId = theirs[0].Id;
            var caseEvent = $$"""{"eventId":"{{signalId}}:1","brand":"acme","signalId":"{{signalId}}","action":"claim","actor":"ana"}""";
            await db.HashSetAsync($"{scenario.KeyPrefix}:{{acme}}:case:{signalId}", [new("version", 1), new("last", caseEvent)]);
            await db.ListRightPushAsync($"{scenario.KeyPrefix}:{{acme}}:case:{signalId}:audit", caseEvent);
            await db.SortedSetAddAsync($"{scenario.KeyPrefix}:{{acme}}:cases", signalId, 1);

            await tombstone();
            var announced = kafka.ReadAtLeast(scenario.Topics.Erasures, 1, 1, Wait);
            await WaitUntilAsync(async () => (await NamingAsync(connection, scenario.KeyPrefix, erasedId)).Count == 0,
                async () => string.Join("; ", await NamingAsync(connection, scenario.KeyPrefix, erasedId)));
            Assert.False(await db.KeyExistsAsync($"{scenario.KeyPrefix}:{{acme}}:case:{signalId}:audit"));
            Assert.Null(await db.SortedSetScoreAsync($"{scenario.KeyPrefix}:{{acme}}:cases", signalId));
            var erasure = JsonDocument.Parse(announced.Single().ValueString).RootElement;
            Assert.Equal(erasedEntity, erasure.GetProperty("entityId").GetString());
            Assert.Equal(erasedEntity, announced.Single().KeyString);
            Assert.Equal(erasure.GetProperty("erasureId").GetString(), announced.Single().Header(KafkaErasurePublisher.ErasureIdHeader));
            Assert.Contains(keptEntity, (await scenario.ReadMentionCountsAsync()).Keys);
            await node.StopAsync();
        }

        // Replay everything from the start: the old mentions and the tombstone are read again.
        var replay = scenario.WithGroup(MockKafkaFixture.UniqueGroup("replay"));
        await using (var node = replay.StartNode())
        {
            await node.StartAsync();
            await replay.WaitUntilCommittedAtLogEndAsync(Wait);
            await WaitUntilAsync(() => Task.FromResult(node.Metrics.ErasedMentionsSkipped > 0), () => Task.FromResult("no mention skipped as erased"));
            output.WriteLine($"replay: {node.Metrics.ErasedMentionsSkipped} mention(s) skipped as erased");
            Assert.Equal(produced.Count(m => m.Key == erasedEntity), node.Metrics.ErasedMentionsSkipped);
            await node.StopAsync();
        }
        Assert.Empty(await NamingAsync(connection, scenario.KeyPrefix, erasedId));
        Assert.Contains(keptEntity, (await scenario.ReadMentionCountsAsync()).Keys);
        Assert.Single(kafka.ReadAll(scenario.Topics.Erasures, 1, TimeSpan.FromSeconds(10)));
    }

    /// <summary>Every key of the prefix whose name, or any element, member, field or value, contains <paramref name="needle"/>.</summary>
    private static async Task<List<string>> NamingAsync(IConnectionMultiplexer connection, string prefix, string needle)
    {
        var db = connection.GetDatabase();
        var found = new List<string>();
        await foreach (var key in ProcessorScenario.KeysAsync(connection, prefix + ":*"))
        {
            IEnumerable<string> texts = await db.KeyTypeAsync(key) switch
            {
                RedisType.String => [(string?)await db.StringGetAsync(key) ?? ""],
                RedisType.Hash => (await db.HashGetAllAsync(key)).SelectMany(e => new[] { (string)e.Name!, (string)e.Value! }),
                RedisType.List => (await db.ListRangeAsync(key)).Select(v => (string)v!),
                RedisType.SortedSet => (await db.SortedSetRangeByRankAsync(key)).Select(v => (string)v!),
                RedisType.Set => (await db.SetMembersAsync(key)).Select(v => (string)v!),
                var other => [$"unexpected type {other}"],
            };
            if (key.ToString().Contains(needle, StringComparison.Ordinal) || texts.Any(t => t.Contains(needle, StringComparison.Ordinal)))
            {
                found.Add(key.ToString());
            }
        }
        return found;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<Task<string>> describe)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException(await describe());
    }

    /// <summary>A calm mention of another prospect on each partition, so that every partition has an offset to commit.</summary>
    private static IEnumerable<(string Key, byte[] Value)> OnEveryPartition()
    {
        var covered = new HashSet<int>();
        for (var i = 0; covered.Count < Partitions; i++)
        {
            var key = $"acme:x:filler-{i}";
            if (covered.Add(SocialCrm.Streaming.Cluster.Sharding.KafkaPartitioner.PartitionFor(key, Partitions)))
            {
                yield return (key, JsonSerializer.SerializeToUtf8Bytes(new
                {
                    id = $"f-{i}", platform = "x", brand = "acme", author = new { id = $"filler-{i}" }, text = "Flight was on time today.",
                    createdAt = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture),
                }));
            }
        }
    }

    /// <summary>An influential, angry author (a crisis alert naming them), then cancel and switch intent (a retention trigger for a customer).</summary>
    private static IEnumerable<(string Key, byte[] Value)> Mentions(string id, bool customer)
    {
        string[] texts =
        [
            "Worst service ever. Lost my bag, rude staff, and nobody answers. Terrible, I am furious!",
            "Still broken, unacceptable. Refund now, worst company.",
            "That's it. I'm going to cancel my subscription and switch to Globex.",
        ];
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        for (var i = 0; i < texts.Length; i++)
        {
            var mention = new Dictionary<string, object>
            {
                ["id"] = $"m-{Guid.NewGuid():N}",
                ["platform"] = "x",
                ["brand"] = "acme",
                ["author"] = new { id, handle = "@someone", followers = 250_000, verified = true },
                ["text"] = texts[i],
                ["lang"] = "en",
                ["createdAt"] = start.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture),
            };
            if (customer)
            {
                mention["customerId"] = id;
            }
            yield return (customer ? $"acme:{id}" : $"acme:x:{id}", JsonSerializer.SerializeToUtf8Bytes(mention));
        }
    }
}
