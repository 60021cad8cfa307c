using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Testing;
using SocialCrm.Streaming.Testing.Hostile;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Every class of hostile record, mixed into an ordinary load, through a whole node: each hostile record in the
/// dead-letter topic with its class's reason, every valid record (the ordinary ones and the odd valid ones) counted
/// once, the whole log committed.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class HostileLoadTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 4;

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Hostile_records_are_dead_lettered_with_their_reasons_and_the_rest_counted_once(string server)
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), Partitions);
        var hostile = HostileRecords.Load("acme", DateTimeOffset.UtcNow, copies: 3);
        var ordinary = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 50, Seed = 17, Brands = ["acme", "globex"] }).Generate(2_000).ToList();
        var mentions = ordinary.Select(r => (Key: r.Key is null ? null : System.Text.Encoding.UTF8.GetBytes(r.Key), r.Value))
            .Concat(hostile.Where(h => !h.ToProfiles).Select(h => (h.Key, Value: h.Value!)))
            .OrderBy(r => r.Value is null ? 0 : r.Value.Length % 5)
            .ToList();
        kafka.Produce(scenario.Topics.Mentions, mentions.Select(r => (r.Key, r.Value, (Confluent.Kafka.Headers?)null)));
        kafka.Produce(scenario.Topics.Profiles, hostile.Where(h => h.ToProfiles).Select(h => (h.Key, h.Value!, (Confluent.Kafka.Headers?)null)));
        var options = scenario.Options();
        options.Tenants.AllowedBrands = ["acme", "globex"];

        await using (var node = scenario.StartNode(options))
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            await node.StopAsync();
        }

        var deadLetters = kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(10));
        var expectedReasons = hostile.Where(h => !h.IsValid).GroupBy(h => h.ExpectedReason!).ToDictionary(g => g.Key, g => g.Count());
        var actualReasons = deadLetters.GroupBy(d => d.Header(DeadLetterPublisher.ReasonHeader)!).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", actualReasons.OrderBy(r => r.Key).Select(r => $"{r.Key}: {r.Value}")));
        Assert.Equal(expectedReasons.OrderBy(r => r.Key), actualReasons.OrderBy(r => r.Key));

        var expected = ordinary.Where(r => r.IsValid).Select(r => r.EntityId!)
            .Concat(hostile.Where(h => h.IsValid).Select(h => h.EntityId!))
            .GroupBy(id => id).ToDictionary(g => g.Key, g => (long)g.Count());
        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(expected.OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
    }
}
