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
        Assert.Equal(RedisServers.Redis, server);
        using var cluster = RedisCluster.Start(masters: 3);
        var scenario = ProcessorScenario.Create(kafka, cluster, Partitions);
        // A crisis in acme's mentions, then a calm tail that moves every partition's event time past it (EndToEndTests).
        var records = new MentionGenerator(new GeneratorOptions
        {
            CustomersPerBrand = 300, Seed = 5, EventInterval = TimeSpan.FromMilliseconds(150), CrisisAt = 6_500, CrisisLength = 1_500,
        }).Generate(11_000).ToList();
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        var expectedSignals = ProcessorScenario.ReplaySignals(records);
        Assert.Contains("crisis/volume-spike/acme", expectedSignals);

        var options = scenario.Options();
        options.Redis.ListCapacity = 100_000;
        await using (var node = scenario.StartNode(options))
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
            // Brand counts reach the monitors once a second; give the last report time to land.
            await Task.Delay(TimeSpan.FromSeconds(3));
            await node.StopAsync();
        }

        var counts = await scenario.ReadMentionCountsAsync();
        var expected = records.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), counts.OrderBy(c => c.Key));

        var live = await scenario.ReadSignalsAsync();
        Assert.Equal(live.Count, live.Select(s => s.Id).Distinct().Count());
        Assert.Equal(expectedSignals, live.Select(s => s.Description).Order().ToList());

        using var connection = cluster.Connect();
        var primaries = connection.GetServers().Where(s => !s.IsReplica).ToList();
        Assert.Equal(3, primaries.Count);
        var keysPerNode = primaries.ToDictionary(s => s.EndPoint.ToString()!, s => s.Keys(pattern: scenario.KeyPrefix + ":*", pageSize: 1000).Count());
        output.WriteLine("keys per master: " + string.Join(", ", keysPerNode.Select(n => $"{n.Key} {n.Value:N0}")));
        // The four brands' slots lie on more than one master, so the run really wrote across the cluster.
        Assert.True(keysPerNode.Values.Count(n => n > 0) >= 2, "every key on one master: the cluster was not exercised");
        var db = connection.GetDatabase();
        foreach (var brand in new[] { "acme", "globex", "initech", "umbrella" })
        {
            Assert.True(await db.KeyExistsAsync(scenario.Keys.BrandMonitor(brand)), $"no brand monitor state for {brand}");
        }
        Assert.Equal(4, await db.SetLengthAsync(scenario.Keys.Brands));
    }
}
