using System.Diagnostics;
using System.Text;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>Profile records produced while a node runs reach their customer in order with its mentions.</summary>
[Collection(RedisServersFixture.Collection)]
public sealed class LiveProfileTests(RedisServersFixture servers, MockKafkaFixture kafka) : IClassFixture<MockKafkaFixture>
{
    private const string Customer = "acme-air:C-004217";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_profile_and_a_tombstone_produced_live_are_applied_and_the_next_mention_starts_afresh(string server)
    {
        // One partition: the commit wait compares every partition with its log end, and this test writes a record or two.
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), 1);
        await using var node = scenario.StartNode();
        await node.StartAsync();

        kafka.Produce(scenario.Topics.Mentions, [(Customer, Mention("m1", "2026-11-23T10:15:00Z"))]);
        await scenario.WaitUntilCommittedAtLogEndAsync(Deadline);
        Assert.Contains("mentions=1", await scenario.ReadCustomerHashAsync(Customer));

        // As topology/examples/customer-profile.json.
        kafka.Produce(scenario.Topics.Profiles, [(Customer, Encoding.UTF8.GetBytes(
            """{ "valueTier": "platinum", "clv": 18250.5, "segment": "business-traveller", "consent": { "processing": true } }"""))]);
        await UntilAsync(scenario, hash => hash.Contains("valueTier=platinum"), "the profile's tier on the customer");
        Assert.Contains("mentions=1", await scenario.ReadCustomerHashAsync(Customer));

        kafka.Produce(scenario.Topics.Profiles, [(Encoding.UTF8.GetBytes(Customer), (byte[])null!, (Confluent.Kafka.Headers?)null)]);
        await UntilAsync(scenario, hash => !hash.Contains("valueTier=platinum") && !hash.Contains("mentions=1"), "the customer forgotten");

        kafka.Produce(scenario.Topics.Mentions, [(Customer, Mention("m2", "2026-11-23T10:16:00Z"))]);
        await scenario.WaitUntilCommittedAtLogEndAsync(Deadline);
        var after = (await scenario.ReadCustomerHashAsync(Customer)).ToList();
        Assert.Contains("mentions=1", after);
        Assert.DoesNotContain("valueTier=platinum", after);
        await node.StopAsync();
    }

    private static async Task UntilAsync(ProcessorScenario scenario, Func<List<string>, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        List<string> hash;
        while (!done(hash = [.. await scenario.ReadCustomerHashAsync(Customer)]))
        {
            Assert.True(clock.Elapsed < Deadline, $"waited {Deadline} for {what}; the customer's hash: {string.Join(", ", hash)}");
            await Task.Delay(100);
        }
    }

    private static byte[] Mention(string id, string createdAt) => Encoding.UTF8.GetBytes($$"""
        {"id":"{{id}}","platform":"x","brand":"acme-air","customerId":"C-004217","author":{"id":"u-88123"},
         "text":"Thanks for the upgrade, great crew","createdAt":"{{createdAt}}","kind":"post"}
        """);
}
