using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// The processor against a Redis Cluster of three redis-server masters: each brand's keys share one slot (the brand
/// is the hash tag), so every flush script and transaction names keys of one slot, and the brands spread over the masters.
/// </summary>
public sealed class RedisClusterTests(MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 8;

    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task On_a_three_master_cluster_every_mention_is_counted_once_and_every_alert_listed_once(string server)
    {
        var (cluster, scenario, records) = Arrange(server);
        using var _ = cluster;
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));

        await using (var node = scenario.StartNode(Options(scenario)))
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
            // Brand counts reach the monitors once a second; give the last report time to land.
            await Task.Delay(TimeSpan.FromSeconds(3));
            await node.StopAsync();
        }

        await AssertExactAsync(scenario, records);
        using var connection = cluster.Connect();
        var keysPerNode = KeysPerMaster(connection, scenario);
        Assert.Equal(3, keysPerNode.Count);
        // The four brands' slots lie on more than one master, so the run really wrote across the cluster.
        Assert.True(keysPerNode.Values.Count(n => n > 0) >= 2, "every key on one master: the cluster was not exercised");
    }

    /// <summary>
    /// Scaling the cluster out while the processor writes: a fourth master joins and two brands' slots move to it key
    /// by key, as <c>redis-cli --cluster reshard</c> moves them. Meanwhile the flushes of those brands are answered ASK
    /// or TRYAGAIN; they must land once each, on whichever master holds the slot at that moment.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task Moving_brands_to_a_new_master_under_load_loses_nothing_and_counts_nothing_twice(string server)
    {
        var (cluster, scenario, records) = Arrange(server);
        using var _ = cluster;
        RedisServer? added = null;
        await RunWhileAsync(scenario, records, async () =>
        {
            added = cluster.AddMaster();
            foreach (var brand in new[] { "acme", "globex" })
            {
                var slot = cluster.SlotOf("{" + brand + "}");
                var moved = await cluster.MoveSlotAsync(slot, added, keysPerStep: 10, pause: TimeSpan.FromMilliseconds(20));
                output.WriteLine($"{brand}: slot {slot}, {moved:N0} keys moved");
                Assert.True(moved > 0, $"{brand} had no keys to move");
            }
        });

        Assert.True(RedisCluster.OwnsSlot(added!, cluster.SlotOf("{acme}")));
        await AssertExactAsync(scenario, records);
        using var connection = cluster.Connect();
        var keysPerNode = KeysPerMaster(connection, scenario);
        Assert.Equal(4, keysPerNode.Count);
        Assert.True(keysPerNode["127.0.0.1:" + added!.Port] > 0, "the new master holds none of the moved brands' keys");
    }

    /// <summary>
    /// A brand's master fails over to its replica while the processor writes: first by hand (CLUSTER FAILOVER, as an
    /// operator does before maintenance), then by the cluster itself when the new master is killed and its replica
    /// (the old master) is elected after the node timeout.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_brands_master_failing_over_under_load_loses_nothing_and_counts_nothing_twice(string server)
    {
        var (cluster, scenario, records) = Arrange(server);
        using var _ = cluster;
        var slot = cluster.SlotOf("{acme}");
        await RunWhileAsync(scenario, records, async () =>
        {
            var master = cluster.MasterOf(slot);
            var replica = cluster.AddReplica(master);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            cluster.FailOver(replica);
            output.WriteLine($"manual failover done after {clock.ElapsedMilliseconds} ms");
            await Task.Delay(TimeSpan.FromSeconds(2));
            clock.Restart();
            replica.Stop();
            while (!RedisCluster.OwnsSlot(master, slot))
            {
                await Task.Delay(100);
            }
            output.WriteLine($"old master elected {clock.ElapsedMilliseconds} ms after the kill");
        });

        await AssertExactAsync(scenario, records);
    }

    /// <summary>
    /// A node processes the first 3,000 mentions; then the rest arrives in small steps while <paramref name="meanwhile"/>
    /// changes the cluster, so flushes meet every phase of the change; the node finishes the topic and stops.
    /// </summary>
    private async Task RunWhileAsync(ProcessorScenario scenario, List<GeneratedRecord> records, Func<Task> meanwhile)
    {
        const int FirstShare = 3_000;
        kafka.Produce(scenario.Topics.Mentions, records.Take(FirstShare).Select(r => (r.Key, r.Value)));
        await using var node = scenario.StartNode(Options(scenario));
        await node.StartAsync();
        await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
        var producing = Task.Run(async () =>
        {
            foreach (var chunk in records.Skip(FirstShare).Chunk(100))
            {
                kafka.Produce(scenario.Topics.Mentions, chunk.Select(r => (r.Key, r.Value)));
                await Task.Delay(60);
            }
        });
        await meanwhile();
        await producing;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
        output.WriteLine($"the rest committed {clock.ElapsedMilliseconds} ms after the change ended");
        // Brand counts reach the monitors once a second; give the last report time to land.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await node.StopAsync();
    }

    /// <summary>
    /// A three-master cluster, the topics, and 11,000 mentions of four brands: a crisis in acme's, then a calm tail that
    /// moves every partition's event time past it (EndToEndTests).
    /// </summary>
    private (RedisCluster Cluster, ProcessorScenario Scenario, List<GeneratedRecord> Records) Arrange(string server)
    {
        Assert.Equal(RedisServers.Redis, server);
        var cluster = RedisCluster.Start(masters: 3);
        var records = new MentionGenerator(new GeneratorOptions
        {
            CustomersPerBrand = 300, Seed = 5, EventInterval = TimeSpan.FromMilliseconds(150), CrisisAt = 6_500, CrisisLength = 1_500,
        }).Generate(11_000).ToList();
        return (cluster, ProcessorScenario.Create(kafka, cluster, Partitions), records);
    }

    private static SocialCrmOptions Options(ProcessorScenario scenario)
    {
        var options = scenario.Options();
        options.Redis.ListCapacity = 100_000;
        return options;
    }

    /// <summary>Every customer's count exact, every alert and trigger of the offline replay listed once, every brand's monitor saved.</summary>
    private static async Task AssertExactAsync(ProcessorScenario scenario, List<GeneratedRecord> records)
    {
        var expectedSignals = ProcessorScenario.ReplaySignals(records);
        Assert.Contains("crisis/volume-spike/acme", expectedSignals);
        var counts = await scenario.ReadMentionCountsAsync();
        var expected = records.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), counts.OrderBy(c => c.Key));

        var live = await scenario.ReadSignalsAsync();
        Assert.Equal(live.Count, live.Select(s => s.Id).Distinct().Count());
        Assert.Equal(expectedSignals, live.Select(s => s.Description).Order().ToList());

        using var connection = scenario.Redis.Connect();
        var db = connection.GetDatabase();
        foreach (var brand in new[] { "acme", "globex", "initech", "umbrella" })
        {
            Assert.True(await db.KeyExistsAsync(scenario.Keys.BrandMonitor(brand)), $"no brand monitor state for {brand}");
        }
        Assert.Equal(4, await db.SetLengthAsync(scenario.Keys.Brands));
    }

    private Dictionary<string, int> KeysPerMaster(ConnectionMultiplexer connection, ProcessorScenario scenario)
    {
        var primaries = connection.GetServers().Where(s => !s.IsReplica).ToList();
        var keysPerNode = primaries.ToDictionary(s => s.EndPoint.ToString()!, s => s.Keys(pattern: scenario.KeyPrefix + ":*", pageSize: 1000).Count());
        output.WriteLine("keys per master: " + string.Join(", ", keysPerNode.Select(n => $"{n.Key} {n.Value:N0}")));
        return keysPerNode;
    }
}
