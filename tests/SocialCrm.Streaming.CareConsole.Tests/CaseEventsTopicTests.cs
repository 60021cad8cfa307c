using System.Net;
using System.Net.Http.Json;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>With a Kafka bootstrap configured, every case event also goes to the case events topic (mock Kafka cluster).</summary>
[Collection(RedisServersFixture.Collection)]
public sealed class CaseEventsTopicTests(RedisServersFixture servers, MockKafkaFixture kafka) : IClassFixture<MockKafkaFixture>
{
    [RedisTheory]
    [MemberData(nameof(RedisServers.Available), MemberType = typeof(RedisServers))]
    public async Task Each_case_event_reaches_the_topic_keyed_by_the_signal_id_and_equal_to_its_audit_entry(string server)
    {
        var topic = kafka.CreateUniqueTopic("cases", 2);
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server), (kafka.BootstrapServers, topic));
        var alert = await scenario.WriteAlertAsync("acme", "cust-9");
        using var ana = await scenario.SignedInAsync("ana");
        foreach (var (action, body) in new (string, object)[] { ("claim", new { }), ("note", new { text = "On it." }), ("resolve", new { outcome = "responded" }) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/brands/acme/cases/{alert.Id}/{action}") { Content = JsonContent.Create(body) };
            request.Headers.Add(Access.WriteGuard.HeaderName, "1");
            Assert.Equal(HttpStatusCode.OK, (await ana.SendAsync(request)).StatusCode);
        }

        var records = kafka.ReadAtLeast(topic, 2, 3, TimeSpan.FromSeconds(20));
        var audit = await scenario.Redis.ListRangeAsync($"{scenario.KeyPrefix}:{{acme}}:case:{alert.Id}:audit");
        Assert.Equal(audit.Select(a => (string)a!), records.Select(r => r.ValueString));
        Assert.All(records, r => Assert.Equal(alert.Id, r.KeyString));
        Assert.Equal([CaseAction.Claim, CaseAction.Note, CaseAction.Resolve], records.Select(r => CaseJson.Parse(r.ValueString).Action));
    }
}
