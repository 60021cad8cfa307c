using SocialCrm.Streaming.Domain.Alerts;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using SocialCrm.Streaming.Testing.Logging;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

[CollectionDefinition(RedisServersFixture.Collection)]
public sealed class RedisServersCollection : ICollectionFixture<RedisServersFixture>;

/// <summary>The first slice, for real: mock Kafka cluster -> processor node -> Redis (and Garnet).</summary>
[Collection(RedisServersFixture.Collection)]
public sealed class EndToEndTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 8;

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Every_valid_mention_is_counted_once_and_every_malformed_one_is_dead_lettered(string server)
    {
        var redis = servers.Get(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);

        var generator = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 500, Seed = 11 });
        var records = new List<GeneratedRecord>();
        for (var i = 0; i < 10_000; i++)
        {
            // 50 malformed payloads spread through the stream, one every 200 records.
            records.Add(i % 200 == 199 ? generator.NextMalformed() : generator.Next());
        }
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        var valid = records.Count(r => r.IsValid);
        Assert.Equal(9_950, valid);

        var clock = Stopwatch.StartNew();
        await using (var node = scenario.StartNode())
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            await node.StopAsync();
            output.WriteLine($"{server}: {records.Count} records processed and committed in {clock.Elapsed.TotalSeconds:N1} s; max in flight {(await node.Service.Consumer).MaxInFlight}");
        }

        var counts = await scenario.ReadMentionCountsAsync();
        var expected = records.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(valid, counts.Values.Sum());
        Assert.Equal(expected.OrderBy(e => e.Key), counts.OrderBy(c => c.Key));

        var deadLetters = kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(10));
        Assert.Equal(50, deadLetters.Count);
        Assert.All(deadLetters, record => Assert.False(string.IsNullOrEmpty(record.Header(DeadLetterPublisher.ReasonHeader))));
        var malformed = records.Where(r => !r.IsValid).Select(r => Convert.ToBase64String(r.Value)).Order();
        Assert.Equal(malformed, deadLetters.Select(d => Convert.ToBase64String(d.Value)).Order());

        Assert.Equal(kafka.GetHighWatermarks(scenario.Topics.Mentions, Partitions).OrderBy(p => p.Key).Select(p => (long?)p.Value),
            kafka.GetCommittedOffsets(scenario.GroupId, scenario.Topics.Mentions, Partitions).OrderBy(p => p.Key).Select(p => p.Value));
    }

    /// <summary>
    /// A source that resends (a connector restarting from an older position, a producer retrying without idempotence):
    /// each mention counts once in its customer and in the brand's volume, the repeats are committed and counted apart.
    /// A repeat is known among the customer's last 8 mentions, so the test resends late only the mentions of customers
    /// with at most 8 in the stream.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_source_that_resends_mentions_has_each_counted_once_in_its_customer_and_its_brand(string server)
    {
        var redis = servers.Get(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var generator = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 500, Seed = 13 });
        var distinct = Enumerable.Range(0, 3_000).Select(_ => generator.Next()).ToList();
        var perEntity = distinct.GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        var stream = new List<GeneratedRecord>();
        for (var i = 0; i < distinct.Count; i++)
        {
            stream.Add(distinct[i]);
            if (i % 5 == 0)
            {
                stream.Add(distinct[i]);
            }
        }
        var resentLate = distinct.Take(300).Where(r => perEntity[r.EntityId!] <= 8).ToList();
        stream.AddRange(resentLate);
        kafka.Produce(scenario.Topics.Mentions, stream.Select(r => (r.Key, r.Value)));

        await using (var node = scenario.StartNode())
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            Assert.Equal(stream.Count - distinct.Count, node.Metrics.RepeatedMentions);
            await node.StopAsync();
        }
        output.WriteLine($"{server}: {stream.Count} records, {distinct.Count} distinct mentions ({resentLate.Count} resent late)");

        Assert.Equal(perEntity.OrderBy(e => e.Key), (await scenario.ReadMentionCountsAsync()).OrderBy(c => c.Key));
        Assert.Equal(distinct.Count, await scenario.ReadVolumeTotalAsync());
        Assert.Empty(kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(10)));
    }

    /// <summary>
    /// The live cluster reaches the same decisions as the offline rules: every alert and trigger the replay of
    /// the same mentions raises is in Redis exactly once (compared by type, kind and subject: live ids carry
    /// Kafka offsets, replay ids line numbers).
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Live_alerts_and_triggers_are_those_of_an_offline_replay_each_exactly_once(string server)
    {
        var redis = servers.Get(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var generator = CrisisGenerator();
        // A calm tail after the crisis moves every partition's event time past the crisis minutes plus the allowed
        // lateness: a live node closes a minute only when all its partitions have passed it, while the replay,
        // one ordered stream, may close minutes near the end of the input sooner.
        var records = generator.Generate(11_000).ToList();
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));

        var expected = ProcessorScenario.ReplaySignals(records);
        Assert.Contains("crisis/volume-spike/acme", expected);

        await RunUntilCommittedAsync(scenario);

        var live = await scenario.ReadSignalsAsync();
        Assert.Equal(live.Count, live.Select(s => s.Id).Distinct().Count());
        var actual = live.Select(s => s.Description).Order().ToList();
        output.WriteLine($"{server}: {expected.Count} signals expected, {actual.Count} in Redis; {string.Join("; ", expected.Where(e => e.StartsWith("crisis", StringComparison.Ordinal)))}");
        output.WriteLine($"missing: {string.Join("; ", expected.Except(actual))}; unexpected: {string.Join("; ", actual.Except(expected))}");
        foreach (var unexpected in live.Where(l => !expected.Contains(l.Description)))
        {
            output.WriteLine(unexpected.Json);
        }
        Assert.Equal(expected, actual);
    }

    /// <summary>
    /// A brand monitor's saved state that cannot be read (written by another tool, cut short, or of an unknown shape)
    /// must not silence the brand: the monitor starts afresh (its next save replaces the value), and raises
    /// the same brand alerts as a run without it.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task An_unreadable_saved_brand_monitor_starts_afresh_and_the_crisis_is_still_raised(string server)
    {
        var redis = servers.Get(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var records = CrisisGenerator().Generate(11_000).ToList();
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        var expected = ProcessorScenario.ReplaySignals(records);
        using (var connection = redis.Connect())
        {
            var db = connection.GetDatabase();
            await db.StringSetAsync(scenario.BrandMonitorKey("acme"), """{"monitor":{"brands":[{"brand":null}]},"reports":[]}""");
            await db.StringSetAsync(scenario.BrandMonitorKey("globex"), "not json at all");
        }

        await RunUntilCommittedAsync(scenario);

        var live = await scenario.ReadSignalsAsync();
        Assert.Equal(expected, live.Select(s => s.Description).Order().ToList());
    }

    /// <summary>A crisis in acme's mentions, then a calm tail (see the test above for why).</summary>
    private static MentionGenerator CrisisGenerator() => new(new GeneratorOptions
    {
        CustomersPerBrand = 300, Seed = 5, EventInterval = TimeSpan.FromMilliseconds(150), CrisisAt = 6_500, CrisisLength = 1_500,
    });

    /// <summary>Runs one node until it committed everything produced, with lists long enough to keep every signal.</summary>
    private static async Task RunUntilCommittedAsync(ProcessorScenario scenario)
    {
        var options = scenario.Options();
        options.Redis.ListCapacity = 100_000;
        await using var node = scenario.StartNode(options);
        await node.StartAsync();
        await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
        // Brand counts reach the monitors once a second; give the last report time to land.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await node.StopAsync();
    }

    /// <summary>
    /// Event time is untrusted: the same crisis with hostile timestamps mixed in (years ahead, year 9999, an hour
    /// ahead of the stream, epoch 0, the far past) raises the same alerts and triggers live as the replay of the
    /// stream without them; those beyond the wall clock are dead-lettered as event-time-out-of-range.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Hostile_timestamps_mixed_into_a_crisis_change_no_alert_live(string server)
    {
        var redis = servers.Get(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var clean = CrisisGenerator().Generate(11_000).ToList();
        string[] hostileTimes = ["2031-06-01T00:00:00Z", "9999-12-31T23:59:59Z", "+1h", "1970-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "2001-01-01T00:00:00Z"];
        var records = new List<GeneratedRecord>();
        var futureOnes = 0;
        for (var i = 0; i < clean.Count; i++)
        {
            records.Add(clean[i]);
            if (i % 500 == 250)
            {
                var n = i / 500;
                var time = hostileTimes[n % hostileTimes.Length];
                if (time == "+1h")
                {
                    time = SocialCrm.Streaming.Domain.Mentions.MentionParser.Parse(clean[i].Value).Mention!.CreatedAt.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ");
                }
                // The stream is of November 2026; the wall clock is later, years before 2031.
                futureOnes += string.CompareOrdinal(time, "2031") >= 0 ? 1 : 0;
                var brand = n % 2 == 0 ? "acme" : "globex";
                records.Add(new GeneratedRecord($"{brand}:x:hostile-{n}", System.Text.Encoding.UTF8.GetBytes(
                    $$"""{"id":"hostile-{{n}}","platform":"x","brand":"{{brand}}","author":{"id":"hostile-{{n}}"},"text":"just got the update","createdAt":"{{time}}"}"""),
                    IsValid: true, $"{brand}:x:hostile-{n}"));
            }
        }
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));

        var expected = ProcessorScenario.ReplaySignals(clean);
        Assert.Contains("crisis/volume-spike/acme", expected);

        await RunUntilCommittedAsync(scenario);

        var actual = (await scenario.ReadSignalsAsync()).Select(s => s.Description).Order().ToList();
        output.WriteLine($"{server}: missing: {string.Join("; ", expected.Except(actual))}; unexpected: {string.Join("; ", actual.Except(expected))}");
        Assert.Equal(expected, actual);
        var deadLetters = kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(10));
        Assert.Equal(futureOnes, deadLetters.Count);
        Assert.All(deadLetters, d => Assert.Equal("event-time-out-of-range", d.Header(DeadLetterPublisher.ReasonHeader)));
        // The past ones are valid mentions and counted for their prospects, as a backfill would be.
        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(records.Count - clean.Count - futureOnes, counts.Keys.Count(k => k.Contains(":x:hostile-", StringComparison.Ordinal)));
    }
}

/// <summary>Topics, group, key prefix and node configuration of one isolated test run on shared servers.</summary>
public sealed class ProcessorScenario
{
    private ProcessorScenario(MockKafkaFixture kafka, IRedisDeployment redis, ProcessorTopics topics, string groupId, string keyPrefix)
    {
        Kafka = kafka;
        Redis = redis;
        Topics = topics;
        GroupId = groupId;
        KeyPrefix = keyPrefix;
    }

    public MockKafkaFixture Kafka { get; }
    public IRedisDeployment Redis { get; }
    public ProcessorTopics Topics { get; }
    public string GroupId { get; }
    public string KeyPrefix { get; }
    public RedisKeys Keys => new(KeyPrefix);

    /// <summary>The same topics and keys read by another consumer group: a replay from the start.</summary>
    public ProcessorScenario WithGroup(string groupId) => new(Kafka, Redis, Topics, groupId, KeyPrefix);

    /// <summary>The Redis key of the customer hash of <paramref name="entityId"/> (<c>brand:id</c>).</summary>
    public string CustomerKey(string entityId) => Keys.Customer(EntityId.Parse(entityId));

    public static ProcessorScenario Create(MockKafkaFixture kafka, IRedisDeployment redis, int partitions)
    {
        var topics = new ProcessorTopics(
            kafka.CreateUniqueTopic("mentions", partitions),
            partitions,
            kafka.CreateUniqueTopic("profiles", partitions),
            kafka.CreateUniqueTopic("dlq", 1),
            kafka.CreateUniqueTopic("crisis", 1),
            kafka.CreateUniqueTopic("lifecycle", 1),
            kafka.CreateUniqueTopic("erasures", 1));
        return new ProcessorScenario(kafka, redis, topics, MockKafkaFixture.UniqueGroup("processor"), "t" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>
    /// The topics of topology/topics.json, which a <c>socialcrm run</c> process consumes, on a cluster of the test's own
    /// (their names are fixed); a unique group and key prefix as usual (<see cref="ProcessSettings"/>).
    /// </summary>
    public static ProcessorScenario ForCatalogTopics(MockKafkaFixture kafka, IRedisDeployment redis)
    {
        var catalog = SocialCrm.Streaming.Kafka.Topology.TopicCatalog.LoadDefault();
        foreach (var topic in catalog.Topics)
        {
            kafka.CreateTopic(topic.Name, topic.Partitions);
        }
        return new ProcessorScenario(kafka, redis, ProcessorNode.TopicsOf(catalog), MockKafkaFixture.UniqueGroup("processor"), "t" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>This scenario's settings for a <c>socialcrm run</c> process (<see cref="HostProcess.StartRun"/> passes them as SOCIALCRM__ variables).</summary>
    public Dictionary<string, string?> ProcessSettings() => new()
    {
        ["Kafka:GroupId"] = GroupId,
        ["Kafka:SessionTimeoutMs"] = "6000",
        ["Kafka:CommitInterval"] = "00:00:00.200",
        ["Redis:KeyPrefix"] = KeyPrefix,
    };

    public SocialCrmOptions Options(int clusterPort = 0, string seedNodes = "") => ConfigurationLoader.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>
    {
        ["Kafka:BootstrapServers"] = Kafka.BootstrapServers,
        ["Kafka:GroupId"] = GroupId,
        ["Kafka:SessionTimeoutMs"] = "6000",
        ["Kafka:CommitInterval"] = "00:00:00.200",
        ["Redis:Configuration"] = Redis.ConnectionString,
        ["Redis:KeyPrefix"] = KeyPrefix,
        ["Cluster:Hostname"] = "127.0.0.1",
        ["Cluster:Port"] = clusterPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Cluster:SeedNodes"] = seedNodes,
        ["Metrics:Port"] = "0",
    }));

    /// <param name="log">Where the node's log goes besides (at Information, as in production); null: warnings only, to the console.</param>
    public ProcessorNode StartNode(SocialCrmOptions? options = null, CollectedLog? log = null) =>
        new(options ?? Options(), Topics, new RulesOptions(),
            configureLogging: logging => { if (log is null) { logging.SetMinimumLevel(LogLevel.Warning); } else { logging.AddProvider(log); } });

    public async Task WaitUntilCommittedAtLogEndAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var logEnd = Kafka.GetHighWatermarks(Topics.Mentions, Topics.MentionPartitions);
        while (true)
        {
            var committed = Kafka.GetCommittedOffsets(GroupId, Topics.Mentions, Topics.MentionPartitions);
            if (logEnd.All(p => committed.GetValueOrDefault(p.Key) == p.Value))
            {
                return;
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Committed {string.Join(",", committed.OrderBy(c => c.Key).Select(c => c.Value))} but log end is {string.Join(",", logEnd.OrderBy(c => c.Key).Select(c => c.Value))}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// What the offline rules decide for the same mentions, as sorted "type/kind/subject" lines (ids differ:
    /// live ones carry Kafka offsets, replay ones line numbers). Buckets still open at the end stay open, as live.
    /// </summary>
    public static List<string> ReplaySignals(IEnumerable<GeneratedRecord> records) =>
        new SocialCrm.Streaming.Domain.Replay.ReplayEngine(new RulesOptions())
            .Run(records.Where(r => r.IsValid).Select((r, i) => (SocialCrm.Streaming.Domain.Mentions.MentionParser.Parse(r.Value).Mention!,
                new SocialCrm.Streaming.Domain.Mentions.SourcePosition(0, i))), finish: false)
            .Select(Describe)
            .Order()
            .ToList();

    private static string Describe(SocialCrm.Streaming.Domain.Alerts.DomainSignal signal) => signal switch
    {
        SocialCrm.Streaming.Domain.Alerts.CrisisAlert alert => $"crisis/{alert.Kind.ToWire()}/{alert.EntityId ?? alert.Brand}",
        SocialCrm.Streaming.Domain.Alerts.LifecycleTrigger trigger => $"trigger/{trigger.Type.ToWire()}/{trigger.EntityId}",
        _ => signal.ToString(),
    };

    /// <summary>Every alert and trigger in the Redis lists of every brand: id and "type/kind/subject".</summary>
    public async Task<List<(string Id, string Description, string Json)>> ReadSignalsAsync()
    {
        using var connection = Redis.Connect();
        var db = connection.GetDatabase();
        var signals = new List<(string, string, string)>();
        foreach (var pattern in new[] { "alerts", "triggers" })
        {
            await foreach (var key in KeysAsync(connection, $"{KeyPrefix}:*:{pattern}"))
            {
                foreach (var value in await db.ListRangeAsync(key))
                {
                    using var json = System.Text.Json.JsonDocument.Parse(value.ToString());
                    var root = json.RootElement;
                    var isAlert = root.GetProperty("type").GetString() == "crisis";
                    var subject = root.TryGetProperty("entityId", out var entity) && entity.ValueKind == System.Text.Json.JsonValueKind.String
                        ? entity.GetString() : root.GetProperty("brand").GetString();
                    signals.Add(isAlert
                        ? (root.GetProperty("alertId").GetString()!, $"crisis/{root.GetProperty("kind").GetString()}/{subject}", value.ToString())
                        : (root.GetProperty("triggerId").GetString()!, $"trigger/{root.GetProperty("type").GetString()}/{subject}", value.ToString()));
                }
            }
        }
        return signals;
    }

    public string BrandMonitorKey(string brand) => Keys.BrandMonitor(brand);

    /// <summary>The exact <c>mentions</c> field of every customer hash, by entity id.</summary>
    public async Task<Dictionary<string, long>> ReadMentionCountsAsync()
    {
        using var connection = Redis.Connect();
        var db = connection.GetDatabase();
        var counts = new Dictionary<string, long>();
        await foreach (var key in KeysAsync(connection, $"{KeyPrefix}:*:customer:*"))
        {
            // {prefix}:{brand}:customer:{id}, the brand in literal braces (the hash tag).
            var text = key.ToString();
            var brand = text.Split(':')[1].Trim('{', '}');
            var local = text[(text.IndexOf(":customer:", StringComparison.Ordinal) + ":customer:".Length)..];
            counts[$"{brand}:{local}"] = (long)await db.HashGetAsync(key, "mentions");
        }
        return counts;
    }

    /// <summary>Every count of every brand's per-minute volume hashes, summed: the mentions the brands counted.</summary>
    public async Task<long> ReadVolumeTotalAsync()
    {
        using var connection = Redis.Connect();
        var db = connection.GetDatabase();
        long total = 0;
        await foreach (var key in KeysAsync(connection, $"{KeyPrefix}:*:volume:*"))
        {
            total += (await db.HashValuesAsync(key)).Sum(value => (long)value);
        }
        return total;
    }

    /// <summary>
    /// The keys matching <paramref name="pattern"/> on every primary: one server's, or all of a cluster's (a cluster node
    /// that was stopped serves no slot and is left out).
    /// </summary>
    public static async IAsyncEnumerable<RedisKey> KeysAsync(IConnectionMultiplexer connection, string pattern)
    {
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica && s.IsConnected))
        {
            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
            {
                yield return key;
            }
        }
    }

    /// <summary>
    /// No mention partition holds more than <paramref name="maxRecords"/> uncommitted records: a producer that waits for
    /// this keeps every partition well inside the mock's 5 MiB, even one whose consumption is held up.
    /// </summary>
    public bool BacklogFitsEveryPartition(int maxRecords)
    {
        try
        {
            var logEnd = Kafka.GetHighWatermarks(Topics.Mentions, Topics.MentionPartitions);
            var committed = Kafka.GetCommittedOffsets(GroupId, Topics.Mentions, Topics.MentionPartitions);
            return logEnd.All(p => p.Value - (committed.GetValueOrDefault(p.Key) ?? 0) <= maxRecords);
        }
        catch (Confluent.Kafka.KafkaException)
        {
            // A broker down or failing requests (a fault test): not known now, so not yet.
            return false;
        }
    }

    /// <summary>A customer's stored hash as "field=value" texts (for diagnosing a miscount).</summary>
    public async Task<IEnumerable<string>> ReadCustomerHashAsync(string entityId)
    {
        using var connection = Redis.Connect();
        var entries = await connection.GetDatabase().HashGetAllAsync(CustomerKey(entityId));
        return entries.Select(e => $"{e.Name}={e.Value}");
    }
}
