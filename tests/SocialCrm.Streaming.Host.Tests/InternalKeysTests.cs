using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// The processor's internal keys (the partition epochs and the brands' fences) changed by another hand, or lost: an
/// operator's edit, a restore of an older backup, a failover that lost its last writes. Before, a fence that was not a
/// number failed every flush of its brand and partition, and a fence above the epochs the node could claim (the epochs
/// hash lost under fences of earlier claims) refused them for good: the stream stalled and customers gave up.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class InternalKeysTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 4;

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Epochs_and_fences_no_claim_wrote_are_replaced_and_every_mention_is_counted_once(string server)
    {
        var redis = servers.Get(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var options = new GeneratorOptions { CustomersPerBrand = 100, Seed = 3, Brands = ["acme", "globex"], CrisisAt = null };
        var records = new MentionGenerator(options).Generate(3_000).ToList();
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        var fences = new[] { "acme", "globex" }.SelectMany(brand => Enumerable.Range(0, Partitions).Select(p => (RedisKey)scenario.Keys.Fence(brand, p))).ToList();
        using (var connection = redis.Connect())
        {
            var db = connection.GetDatabase();
            // The epochs hash lost, but for two values no claim writes; under it, fences of every kind no claim writes,
            // and one of a long-running cluster's old counted epochs.
            await db.HashSetAsync(scenario.Keys.PartitionEpochs, [new("1", "not a number"), new("2", "99999999999999999999")]);
            await db.StringSetAsync(fences[0], "garbage");
            await db.StringSetAsync(fences[1], "99999999999999999999999999");
            await db.ListRightPushAsync(fences[2], "a list");
            await db.StringSetAsync(fences[3], "nan");
            await db.StringSetAsync(fences[4], "-inf");
            await db.StringSetAsync(fences[5], "57");
            await db.StringSetAsync(fences[6], "");
            await db.StringSetAsync(fences[7], (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 7 * 86_400_000L).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await using (var node = scenario.StartNode())
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(60));
            await node.StopAsync();
        }

        var expected = records.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), (await scenario.ReadMentionCountsAsync()).OrderBy(c => c.Key));
        Assert.Empty(kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(2)));
        using (var connection = redis.Connect())
        {
            var db = connection.GetDatabase();
            var epochs = (await db.HashGetAllAsync(scenario.Keys.PartitionEpochs)).ToDictionary(e => (int)e.Name, e => (long)e.Value);
            output.WriteLine($"{server}: epochs {string.Join(", ", epochs.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}"))}");
            Assert.Equal(Enumerable.Range(0, Partitions), epochs.Keys.Order());
            Assert.All(epochs.Values, epoch => Assert.InRange(epoch, startedAt, startedAt + 120_000));
            foreach (var fence in fences)
            {
                // Each fence the node wrote through now holds one of its claims.
                var value = await db.StringGetAsync(fence);
                Assert.True(value.IsNull || epochs.ContainsValue((long)value), $"{fence} holds '{value}'");
            }
        }
    }
    /// <summary>
    /// A brand's rankings, alert list or the brand registry holding another type (another hand's): before, the registry
    /// stalled every mention, and a ranking refused each customer of its brand until they gave up and a third of the
    /// mentions were dead-lettered. Now each such key is replaced, and the node logs its name.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Brand_keys_and_the_registry_of_another_type_are_replaced_and_every_mention_is_counted_once(string server)
    {
        var redis = servers.Get(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var options = new GeneratorOptions { CustomersPerBrand = 100, Seed = 4, Brands = ["acme", "globex"], CrisisAt = 1_000, CrisisLength = 800 };
        var records = new MentionGenerator(options).Generate(3_000).ToList();
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        using (var connection = redis.Connect())
        {
            var db = connection.GetDatabase();
            await db.StringSetAsync(scenario.Keys.Brands, "a string");
            await db.StringSetAsync(scenario.Keys.Risk("acme"), "a string");
            await db.SetAddAsync(scenario.Keys.Alerts("acme"), "a set");
            await db.ListRightPushAsync(scenario.Keys.RankedLastSeen("globex"), "a list");
        }

        var nodeOptions = scenario.Options();
        nodeOptions.Redis.ListCapacity = 100_000;
        await using (var node = scenario.StartNode(nodeOptions))
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(2));
            await node.StopAsync();
        }

        var expected = records.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), (await scenario.ReadMentionCountsAsync()).OrderBy(c => c.Key));
        Assert.Empty(kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(2)));
        Assert.Equal(ProcessorScenario.ReplaySignals(records), (await scenario.ReadSignalsAsync()).Select(s => s.Description).Order().ToList());
        using (var connection = redis.Connect())
        {
            var db = connection.GetDatabase();
            Assert.Equal(RedisType.Set, await db.KeyTypeAsync(scenario.Keys.Brands));
            Assert.Equal(RedisType.SortedSet, await db.KeyTypeAsync(scenario.Keys.Risk("acme")));
            Assert.Equal(RedisType.List, await db.KeyTypeAsync(scenario.Keys.Alerts("acme")));
            Assert.Equal(RedisType.SortedSet, await db.KeyTypeAsync(scenario.Keys.RankedLastSeen("globex")));
        }
    }
}
