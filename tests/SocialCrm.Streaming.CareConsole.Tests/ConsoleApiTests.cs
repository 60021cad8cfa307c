using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>The console's HTTP API on Redis and Garnet: atomic claims, the audit trail, access per brand, anti-forgery, catch-up.</summary>
[Collection(RedisServersFixture.Collection)]
public sealed class ConsoleApiTests(RedisServersFixture servers)
{
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Of_agents_claiming_one_alert_at_once_exactly_one_wins_and_the_others_are_told_409(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var alert = await scenario.WriteAlertAsync("acme", "cust-1");
        // Eight claims at once: four each from ana and ben (two clients each).
        var clients = new List<(string Agent, HttpClient Client)>();
        for (var i = 0; i < 8; i++)
        {
            var agent = i % 2 == 0 ? "ana" : "ben";
            clients.Add((agent, await scenario.SignedInAsync(agent)));
        }
        using var start = new ManualResetEventSlim();
        var claims = clients.Select(c => Task.Run(() =>
        {
            start.Wait();
            return Post(c.Client, $"/api/brands/acme/cases/{alert.Id}/claim", new { });
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(claims);

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(7, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        var audit = await AuditAsync(clients[0].Client, "acme", alert.Id);
        var claim = Assert.Single(audit);
        Assert.Equal((CaseAction.Claim, CaseState.Claimed, 1L), (claim.Action, claim.State, claim.Version));
        Assert.Equal(claim.Actor, claim.Assignee);

        // The queue's filters see the claim: the alert is claimed, not open; a P1 crisis alert, not a trigger.
        var other = await scenario.WriteRetentionAsync("acme", "cust-2", Domain.Profiles.ValueTier.Silver);
        Assert.Equal([alert.Id], await QueueIdsAsync(clients[0].Client, "?state=claimed"));
        Assert.Equal([other.Id], await QueueIdsAsync(clients[0].Client, "?state=open"));
        Assert.Equal([alert.Id], await QueueIdsAsync(clients[0].Client, "?brand=acme&type=crisis&kind=influencer-negative&priority=P1"));
        Assert.Equal([other.Id], await QueueIdsAsync(clients[0].Client, "?type=trigger"));
        Assert.Equal([alert.Id, other.Id], await QueueIdsAsync(clients[0].Client, ""));
        foreach (var (_, client) in clients)
        {
            client.Dispose();
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Claim_assign_note_resolve_and_reopen_leave_an_audit_trail_with_who_and_when(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var trigger = await scenario.WriteRetentionAsync("acme", "cust-7", ValueTier.Gold);
        using var ana = await scenario.SignedInAsync("ana");
        using var ben = await scenario.SignedInAsync("ben");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        Assert.Equal(HttpStatusCode.OK, (await Post(ana, $"/api/brands/acme/cases/{trigger.Id}/claim", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(ana, $"/api/brands/acme/cases/{trigger.Id}/assign", new { assignee = "ben" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(ben, $"/api/brands/acme/cases/{trigger.Id}/note", new { text = "Offered a goodwill credit." })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(ben, $"/api/brands/acme/cases/{trigger.Id}/resolve", new { outcome = "won" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(ben, $"/api/brands/acme/cases/{trigger.Id}/resolve", new { outcome = "retained" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Post(ana, $"/api/brands/acme/cases/{trigger.Id}/resolve", new { outcome = "churned" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(ana, $"/api/brands/acme/cases/{trigger.Id}/reopen", new { })).StatusCode);

        var audit = await AuditAsync(ana, "acme", trigger.Id);
        Assert.Equal(
            [(CaseAction.Claim, "ana", "ana"), (CaseAction.Assign, "ana", "ben"), (CaseAction.Note, "ben", "ben"), (CaseAction.Resolve, "ben", "ben"), (CaseAction.Reopen, "ana", null)],
            audit.Select(e => (e.Action, e.Actor, e.Assignee)));
        Assert.Equal([1L, 2, 3, 4, 5], audit.Select(e => e.Version));
        Assert.All(audit, e => Assert.InRange(e.At, before, DateTimeOffset.UtcNow));
        Assert.Equal("Offered a goodwill credit.", audit[2].Note);
        Assert.Equal(CaseOutcome.Retained, audit[3].Outcome);
        Assert.Equal(("retention", "P2", "gold"), (audit[0].Subject.SignalType, audit[0].Subject.Priority, audit[0].Subject.ValueTier));

        // The KPI view counts the retention trigger worked, by its value tier.
        using var kpis = JsonDocument.Parse(await ana.GetStringAsync(new Uri("/api/brands/acme/kpis", UriKind.Relative)));
        Assert.Equal(1, kpis.RootElement.GetProperty("retentionWorked").GetProperty("gold").GetInt32());
        Assert.Equal(1, kpis.RootElement.GetProperty("timeToResolution").GetProperty("P2").GetProperty("count").GetInt32());
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_user_without_the_brand_is_refused_every_read_write_and_stream_of_it(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var alert = await scenario.WriteAlertAsync("acme", "cust-2");
        await scenario.WriteAlertAsync("globex", "cust-3");
        using var eve = await scenario.SignedInAsync("eve");

        using (var queue = JsonDocument.Parse(await eve.GetStringAsync(new Uri("/api/queue", UriKind.Relative))))
        {
            Assert.Equal(["globex"], queue.RootElement.EnumerateArray().Select(e => e.GetProperty("brand").GetString()));
        }
        foreach (var path in new[]
        {
            "/api/queue?brand=acme", "/api/queue?brand=globex&brand=acme", "/api/stream?brand=acme", $"/api/brands/acme/cases/{alert.Id}",
            "/api/brands/acme/customers/cust-2", "/api/brands/acme/overview", "/api/brands/acme/kpis",
        })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await eve.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(eve, $"/api/brands/acme/cases/{alert.Id}/claim", new { })).StatusCode);
        Assert.False(await scenario.Redis.KeyExistsAsync($"{scenario.KeyPrefix}:{{acme}}:case:{alert.Id}"));

        using var anonymous = new HttpClient { BaseAddress = scenario.Console.Url };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/api/queue", UriKind.Relative))).StatusCode);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Writes_without_the_console_header_or_from_another_origin_are_refused(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var alert = await scenario.WriteAlertAsync("acme", "cust-4");
        using var ana = await scenario.SignedInAsync("ana");
        var path = new Uri($"/api/brands/acme/cases/{alert.Id}/claim", UriKind.Relative);

        Assert.Equal(HttpStatusCode.Forbidden, (await ana.PostAsJsonAsync(path, new { })).StatusCode);
        using var crossOrigin = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { }) };
        crossOrigin.Headers.Add(Access.WriteGuard.HeaderName, "1");
        crossOrigin.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await ana.SendAsync(crossOrigin)).StatusCode);
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { }) };
        crossSite.Headers.Add(Access.WriteGuard.HeaderName, "1");
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await ana.SendAsync(crossSite)).StatusCode);
        Assert.False(await scenario.Redis.KeyExistsAsync($"{scenario.KeyPrefix}:{{acme}}:case:{alert.Id}"));

        Assert.Equal(HttpStatusCode.OK, (await Post(ana, path.OriginalString, new { })).StatusCode);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_stream_reconnecting_with_Last_Event_ID_first_gets_the_alerts_and_case_events_it_missed(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var lastSeen = DateTimeOffset.UtcNow.AddSeconds(-30).ToUnixTimeMilliseconds();
        var missed = await scenario.WriteAlertAsync("acme", "cust-5");
        using var ana = await scenario.SignedInAsync("ana");
        Assert.Equal(HttpStatusCode.OK, (await Post(ana, $"/api/brands/acme/cases/{missed.Id}/claim", new { })).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stream?brand=acme");
        request.Headers.Add("Last-Event-ID", lastSeen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await ana.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = await ReadEventsUntilReadyAsync(reader);
        Assert.Contains(events, e => e.Name == "signal" && e.Data.Contains(missed.Id, StringComparison.Ordinal));
        Assert.Contains(events, e => e.Name == "case" && CaseJson.Parse(e.Data) is { Action: CaseAction.Claim } c && c.Subject.SignalId == missed.Id);

        // And then what happens live.
        var live = await scenario.WriteAlertAsync("acme", "cust-6");
        var next = await ReadEventAsync(reader);
        Assert.Equal("signal", next.Name);
        Assert.Contains(live.Id, next.Data, StringComparison.Ordinal);
        Assert.Equal(live.DetectedAt.ToUnixTimeMilliseconds(), next.Id);
    }

    /// <summary>A message on the live channels that is not an event (another hand's) is passed over; the stream goes on.</summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_message_on_the_live_channels_that_is_not_an_event_is_passed_over_and_the_stream_goes_on(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var alert = await scenario.WriteAlertAsync("acme", "cust-1");
        using var ana = await scenario.SignedInAsync("ana");
        using var response = await ana.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/stream?brand=acme"), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Empty(await ReadEventsUntilReadyAsync(reader));

        var publisher = scenario.Redis.Multiplexer.GetSubscriber();
        foreach (var channel in new[] { new CaseKeys(scenario.KeyPrefix).LiveChannel("acme"), new RedisKeys(scenario.KeyPrefix).LiveChannel("acme") })
        {
            foreach (var odd in new[] { "not json", "{}", "[1]", "{\"version\":\"x\"}" })
            {
                await publisher.PublishAsync(RedisChannel.Literal(channel), odd);
            }
        }
        Assert.Equal(HttpStatusCode.OK, (await Post(ana, $"/api/brands/acme/cases/{alert.Id}/claim", new { })).StatusCode);
        var claimed = await ReadEventAsync(reader);
        Assert.Equal("case", claimed.Name);
        Assert.Contains(alert.Id, claimed.Data, StringComparison.Ordinal);
        var next = await scenario.WriteAlertAsync("acme", "cust-2");
        var raised = await ReadEventAsync(reader);
        Assert.Equal("signal", raised.Name);
        Assert.Contains(next.Id, raised.Data, StringComparison.Ordinal);
    }

    /// <summary>
    /// The console on a Redis Cluster of three masters, with acme and globex on different ones: the queue, a claim
    /// race, case work, the audit trail, KPIs, the customer view and the live stream each touch one brand's slot at a
    /// time, so they work as on one server; the queue and the stream gather both brands.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task On_a_three_master_cluster_the_queue_case_work_and_the_stream_span_brands_on_different_masters(string server)
    {
        Assert.Equal(RedisServers.Redis, server);
        using var cluster = RedisCluster.Start(masters: 3);
        var acmeSlot = cluster.SlotOf("{acme}");
        var globexSlot = cluster.SlotOf("{globex}");
        if (cluster.MasterOf(acmeSlot) == cluster.MasterOf(globexSlot))
        {
            await cluster.MoveSlotAsync(globexSlot, cluster.Nodes.First(n => n != cluster.MasterOf(acmeSlot)), keysPerStep: 10, pause: TimeSpan.Zero);
        }
        Assert.NotEqual(cluster.MasterOf(acmeSlot), cluster.MasterOf(globexSlot));
        await using var scenario = await ConsoleScenario.StartAsync(cluster);
        var lastSeen = DateTimeOffset.UtcNow.AddSeconds(-30).ToUnixTimeMilliseconds();
        var alert = await scenario.WriteAlertAsync("acme", "cust-1");
        var trigger = await scenario.WriteRetentionAsync("globex", "cust-2", ValueTier.Silver);
        using var ana = await scenario.SignedInAsync("ana");
        using var ben = await scenario.SignedInAsync("ben");

        Assert.Equal([alert.Id, trigger.Id], await QueueIdsAsync(ana, ""));
        using var start = new ManualResetEventSlim();
        var claims = new[] { ana, ben, ana, ben }.Select(client => Task.Run(() =>
        {
            start.Wait();
            return Post(client, $"/api/brands/acme/cases/{alert.Id}/claim", new { });
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(claims);
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await Post(ana, $"/api/brands/globex/cases/{trigger.Id}/claim", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(ana, $"/api/brands/globex/cases/{trigger.Id}/resolve", new { outcome = "retained" })).StatusCode);
        Assert.Equal([alert.Id], await QueueIdsAsync(ana, "?state=claimed"));
        Assert.Equal([CaseAction.Claim, CaseAction.Resolve], (await AuditAsync(ana, "globex", trigger.Id)).Select(e => e.Action));
        using (var kpis = JsonDocument.Parse(await ana.GetStringAsync(new Uri("/api/brands/globex/kpis", UriKind.Relative))))
        {
            Assert.Equal(1, kpis.RootElement.GetProperty("retentionWorked").GetProperty("silver").GetInt32());
        }
        Assert.Equal(HttpStatusCode.OK, (await ana.GetAsync(new Uri("/api/brands/acme/customers/cust-1", UriKind.Relative))).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stream?brand=acme&brand=globex");
        request.Headers.Add("Last-Event-ID", lastSeen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await ana.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var missed = await ReadEventsUntilReadyAsync(reader);
        Assert.Contains(missed, e => e.Name == "signal" && e.Data.Contains(alert.Id, StringComparison.Ordinal));
        Assert.Contains(missed, e => e.Name == "signal" && e.Data.Contains(trigger.Id, StringComparison.Ordinal));
        var live = await scenario.WriteAlertAsync("globex", "cust-3");
        var next = await ReadEventAsync(reader);
        Assert.Equal("signal", next.Name);
        Assert.Contains(live.Id, next.Data, StringComparison.Ordinal);
    }

    /// <summary>A full Redis refuses the case write: the agent is told why with a 503 to retry, reads go on, and the retry applies.</summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_full_redis_answers_a_case_action_503_with_its_reason_and_the_retry_applies_once_it_has_room(string server)
    {
        using var redis = RedisServers.Start(server);
        await using var scenario = await ConsoleScenario.StartAsync(redis);
        var alert = await scenario.WriteAlertAsync("acme", "cust-3");
        using var ana = await scenario.SignedInAsync("ana");
        await scenario.Redis.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        await scenario.Redis.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");

        using var refused = await Post(ana, $"/api/brands/acme/cases/{alert.Id}/claim", new { });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        using (var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Redis cannot serve this now (OOM); try again in a few seconds", problem.RootElement.GetProperty("detail").GetString());
        }
        Assert.Equal([alert.Id], await QueueIdsAsync(ana, "?state=open"));

        await scenario.Redis.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        using var claimed = await Post(ana, $"/api/brands/acme/cases/{alert.Id}/claim", new { });
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        Assert.Equal(CaseAction.Claim, Assert.Single(await AuditAsync(ana, "acme", alert.Id)).Action);
    }

    /// <summary>
    /// A console started while Redis is down (rescheduled with it, Redis restarting) starts: live, not ready, the API
    /// answering 503 with the reason; once Redis is back it is ready and serves, with no restart.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_console_started_while_redis_is_down_answers_503_until_it_is_back_then_serves(string server)
    {
        using var redis = RedisServers.Start(server);
        redis.Stop();
        await using var scenario = await ConsoleScenario.StartAsync(redis);
        using var ana = await scenario.SignedInAsync("ana");
        using var probe = new HttpClient { BaseAddress = scenario.Console.Url };
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await probe.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
        using (var queue = await ana.GetAsync(new Uri("/api/queue", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, queue.StatusCode);
            using var problem = JsonDocument.Parse(await queue.Content.ReadAsStringAsync());
            Assert.StartsWith("Redis cannot serve this now", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        redis.Restart();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await probe.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the console did not become ready within 30 s of Redis's return");
            await Task.Delay(200);
        }
        var alert = await scenario.WriteAlertAsync("acme", "cust-1");
        Assert.Equal([alert.Id], await QueueIdsAsync(ana, ""));
    }

    private static Task<HttpResponseMessage> Post(HttpClient client, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add(Access.WriteGuard.HeaderName, "1");
        return client.SendAsync(request);
    }

    private static async Task<List<string>> QueueIdsAsync(HttpClient client, string query)
    {
        using var queue = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/queue" + query, UriKind.Relative)));
        return [.. queue.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
    }

    private static async Task<List<CaseEvent>> AuditAsync(HttpClient client, string brand, string signalId)
    {
        using var found = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/brands/{brand}/cases/{signalId}", UriKind.Relative)));
        return [.. found.RootElement.GetProperty("audit").EnumerateArray().Select(e => CaseJson.Parse(e.GetRawText()))];
    }

    private sealed record SseEvent(string Name, long? Id, string Data);

    private static async Task<List<SseEvent>> ReadEventsUntilReadyAsync(StreamReader reader)
    {
        var events = new List<SseEvent>();
        while (await ReadEventAsync(reader) is var e && e.Name != "ready")
        {
            events.Add(e);
        }
        return events;
    }

    /// <summary>The next event, skipping comments (connected, heartbeat); 10 s at most.</summary>
    private static async Task<SseEvent> ReadEventAsync(StreamReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? name = null, data = null;
        long? id = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null)
                {
                    return new SseEvent(name, id, data ?? "");
                }
                continue;
            }
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new EndOfStreamException("the stream ended");
    }
}
