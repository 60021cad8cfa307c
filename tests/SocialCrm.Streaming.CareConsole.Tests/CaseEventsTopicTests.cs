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

    /// <summary>
    /// Two console replicas, as k8s/ runs them, each with agents working the same brand's cases at once: each replica's
    /// change wakes its relay, and both would send the one outbox of the brand. Without failures each event reaches the
    /// topic once: one replica at a time relays a brand (a lease in Redis), the other tries again a second later.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.Available), MemberType = typeof(RedisServers))]
    public async Task Two_replicas_working_one_brand_send_each_case_event_once(string server)
    {
        var topic = kafka.CreateUniqueTopic("cases", 1);
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server), (kafka.BootstrapServers, topic));
        await using var replica = await scenario.StartReplicaAsync();
        var alerts = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            alerts.Add((await scenario.WriteAlertAsync("acme", $"cust-{i}")).Id);
        }
        using var ana = await scenario.SignedInAsync("ana");
        using var ben = await scenario.SignedInAsync("ben", replica);

        await Task.WhenAll(Work(ana, alerts[..2]), Work(ben, alerts[2..]));

        var keys = new CaseKeys(scenario.KeyPrefix);
        for (var waited = 0; await scenario.Redis.KeyExistsAsync(keys.Outbox("acme")); waited++)
        {
            Assert.True(waited < 300, "the outbox was not emptied within 30 s");
            await Task.Delay(100);
        }
        var audits = new List<string>();
        foreach (var id in alerts)
        {
            audits.AddRange((await scenario.Redis.ListRangeAsync($"{scenario.KeyPrefix}:{{acme}}:case:{id}:audit")).Select(a => (string)a!));
        }
        var records = kafka.ReadAll(topic, 1, TimeSpan.FromSeconds(10)).Select(r => r.ValueString).ToList();
        Assert.Equal(4 * 21, audits.Count);
        Assert.Equal(audits.Order(), records.Order());

        // Claims, then 20 notes each, one request after another per agent, the two agents at once.
        static async Task Work(HttpClient agent, IEnumerable<string> cases)
        {
            foreach (var id in cases)
            {
                for (var n = 0; n <= 20; n++)
                {
                    var (action, body) = n == 0 ? ("claim", (object)new { }) : ("note", new { text = $"Note {n}." });
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/brands/acme/cases/{id}/{action}") { Content = JsonContent.Create(body) };
                    request.Headers.Add(Access.WriteGuard.HeaderName, "1");
                    Assert.Equal(HttpStatusCode.OK, (await agent.SendAsync(request)).StatusCode);
                }
            }
        }
    }

    /// <summary>
    /// A replica's relay lease always expires; a key at its place without an expiry is another hand's, and would hold the
    /// brand's case events back for good: it is given the lease's expiry, after which the events go.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.Available), MemberType = typeof(RedisServers))]
    public async Task A_relay_lease_another_hand_left_without_an_expiry_is_given_one(string server)
    {
        var topic = kafka.CreateUniqueTopic("cases", 1);
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server), (kafka.BootstrapServers, topic));
        var keys = new CaseKeys(scenario.KeyPrefix);
        await scenario.Redis.StringSetAsync(keys.OutboxRelay("acme"), "left by another hand");
        var alert = await scenario.WriteAlertAsync("acme", "cust-1");
        using var ana = await scenario.SignedInAsync("ana");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/brands/acme/cases/{alert.Id}/claim") { Content = JsonContent.Create(new { }) };
        request.Headers.Add(Access.WriteGuard.HeaderName, "1");
        Assert.Equal(HttpStatusCode.OK, (await ana.SendAsync(request)).StatusCode);

        TimeSpan? expiry = null;
        for (var waited = 0; expiry is null; waited++)
        {
            Assert.True(waited < 100, "the lease key left without an expiry was not given one within 10 s");
            await Task.Delay(100);
            expiry = await scenario.Redis.KeyTimeToLiveAsync(keys.OutboxRelay("acme"));
        }
        Assert.InRange(expiry.Value, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(45));
        Assert.Equal(1, await scenario.Redis.ListLengthAsync(keys.Outbox("acme")));
    }

    /// <summary>
    /// Case events made while Kafka is down wait in the brand's outbox in Redis, written with the case: the console that
    /// made them stops before Kafka is back (they used to be lost with its producer's queue, and any made during an outage
    /// longer than the producer's timeout), and the next console sends every one — but the event of a case erased
    /// meanwhile. At least once: compared as a set.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.Available), MemberType = typeof(RedisServers))]
    public async Task Case_events_made_while_Kafka_is_down_are_sent_by_the_next_console_once_it_is_back(string server)
    {
        using var cluster = MockKafkaFixture.WithBrokers(1);
        var topic = cluster.CreateUniqueTopic("cases", 1);
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server), (cluster.BootstrapServers, topic));
        var acme = await scenario.WriteAlertAsync("acme", "cust-1");
        var globex = await scenario.WriteAlertAsync("globex", "cust-2");
        var erased = await scenario.WriteAlertAsync("globex", "cust-3");
        cluster.Cluster.SetBrokerDown(-1);
        using (var ana = await scenario.SignedInAsync("ana"))
        {
            foreach (var (brand, id, action, body) in new (string, string, string, object)[]
            {
                ("acme", acme.Id, "claim", new { }), ("globex", globex.Id, "claim", new { }), ("acme", acme.Id, "note", new { text = "Kafka is down." }),
                ("globex", erased.Id, "note", new { text = "Soon erased." }),
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/brands/{brand}/cases/{id}/{action}") { Content = JsonContent.Create(body) };
                request.Headers.Add(Access.WriteGuard.HeaderName, "1");
                Assert.Equal(HttpStatusCode.OK, (await ana.SendAsync(request)).StatusCode);
            }
        }
        // The customer of the last case is erased meanwhile (its case and audit trail deleted): its event is never sent.
        await scenario.Redis.KeyDeleteAsync([$"{scenario.KeyPrefix}:{{globex}}:case:{erased.Id}", $"{scenario.KeyPrefix}:{{globex}}:case:{erased.Id}:audit"]);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await scenario.RestartConsoleAsync();
        cluster.Cluster.SetBrokerUp(-1);

        var keys = new CaseKeys(scenario.KeyPrefix);
        for (var waited = 0; await scenario.Redis.KeyExistsAsync([keys.Outbox("acme"), keys.Outbox("globex")]) > 0; waited++)
        {
            Assert.True(waited < 300, "the outboxes were not emptied within 30 s of Kafka's return");
            await Task.Delay(100);
        }
        var records = cluster.ReadAll(topic, 1, TimeSpan.FromSeconds(10));
        var audits = new List<string>();
        foreach (var (brand, id) in new[] { ("acme", acme.Id), ("globex", globex.Id) })
        {
            audits.AddRange((await scenario.Redis.ListRangeAsync($"{scenario.KeyPrefix}:{{{brand}}}:case:{id}:audit")).Select(a => (string)a!));
        }
        Assert.Equal(3, audits.Count);
        Assert.Equal(audits.Order(), records.Select(r => r.ValueString).Distinct().Order());
    }
}
