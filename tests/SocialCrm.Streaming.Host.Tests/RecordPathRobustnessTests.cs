using System.Text;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Nothing a record brings stops the stream: a customer the store refuses, brands outside the tenants taken on.
/// Each refused record lands in the dead-letter topic with its reason; every other record is counted once and the
/// whole log is committed.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class RecordPathRobustnessTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 4;

    private static List<GeneratedRecord> Mentions(int count, int seed, params string[] brands) =>
        [.. new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 40, Seed = seed, Brands = brands }).Generate(count)];

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_customer_the_store_refuses_and_brands_outside_the_allow_list_are_dead_lettered_and_the_rest_counted_once(string server)
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), Partitions);
        var tenants = Mentions(3_000, seed: 3, "acme", "globex");
        var intruders = Mentions(60, seed: 4, "intruder");
        var records = tenants.Concat(intruders).OrderBy(r => r.Value.Length % 7).ToList();
        var refused = tenants.First(r => r.IsValid && r.EntityId!.StartsWith("acme:", StringComparison.Ordinal)).EntityId!;
        using (var connection = scenario.Redis.Connect())
        {
            // Something else wrote this customer's key as a string: every load of the customer is refused.
            await connection.GetDatabase().StringSetAsync(scenario.CustomerKey(refused), "not a hash");
        }
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        var options = scenario.Options();
        options.Tenants.AllowedBrands = ["acme", "globex"];
        options.Pipeline.EntityFailureAttempts = 2;

        await using (var node = scenario.StartNode(options))
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            await node.StopAsync();
        }

        var deadLetters = kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(10));
        var byReason = deadLetters.GroupBy(d => d.Header(DeadLetterPublisher.ReasonHeader)!).ToDictionary(g => g.Key, g => g.ToList());
        output.WriteLine(string.Join(", ", byReason.Select(r => $"{r.Key}: {r.Value.Count}")));
        Assert.Equal(intruders.Count, byReason[RejectReason.UnknownBrand.ToWire()].Count);
        var refusedRecords = tenants.Count(r => r.EntityId == refused);
        var entityFailed = byReason[RejectReason.EntityFailed.ToWire()];
        Assert.Equal(refusedRecords, entityFailed.Count);
        Assert.All(entityFailed, d =>
        {
            Assert.Equal(refused, d.KeyString);
            Assert.Equal(typeof(StoreRefusedException).FullName, d.Header(DeadLetterPublisher.ExceptionHeader));
        });
        Assert.Equal(intruders.Count + refusedRecords, deadLetters.Count);

        var expected = tenants.Where(r => r.EntityId != refused).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), (await ReadCountsAsync(scenario, expected.Keys)).OrderBy(c => c.Key));
        using var check = scenario.Redis.Connect();
        Assert.Equal("not a hash", (string?)await check.GetDatabase().StringGetAsync(scenario.CustomerKey(refused)));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Without_an_allow_list_brands_beyond_the_cap_are_dead_lettered_cluster_wide(string server)
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), Partitions);
        var records = Mentions(1_000, seed: 8, "acme", "globex", "initech");
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        var options = scenario.Options();
        options.Tenants.MaxBrands = 2;

        await using (var node = scenario.StartNode(options))
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            await node.StopAsync();
        }

        using var connection = scenario.Redis.Connect();
        var registered = (await connection.GetDatabase().SetMembersAsync(scenario.Keys.Brands)).Select(m => m.ToString()).Order().ToList();
        Assert.Equal(2, registered.Count);
        var deadLetters = kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(10));
        Assert.All(deadLetters, d => Assert.Equal(RejectReason.UnknownBrand.ToWire(), d.Header(DeadLetterPublisher.ReasonHeader)));
        var refusedBrand = Assert.Single(new[] { "acme", "globex", "initech" }.Except(registered));
        Assert.Equal(records.Count(r => r.EntityId!.StartsWith(refusedBrand + ":", StringComparison.Ordinal)), deadLetters.Count);
        var expected = records.Where(r => !r.EntityId!.StartsWith(refusedBrand + ":", StringComparison.Ordinal))
            .GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), (await ReadCountsAsync(scenario, expected.Keys)).OrderBy(c => c.Key));
    }

    private static async Task<Dictionary<string, long>> ReadCountsAsync(ProcessorScenario scenario, IEnumerable<string> entityIds)
    {
        using var connection = scenario.Redis.Connect();
        var db = connection.GetDatabase();
        var counts = new Dictionary<string, long>();
        foreach (var entityId in entityIds)
        {
            counts[entityId] = (long)await db.HashGetAsync(scenario.CustomerKey(entityId), "mentions");
        }
        return counts;
    }
}
