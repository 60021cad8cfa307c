using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>
/// Requests the page never makes but a user, a script or a scanner may: each is answered with a 4xx that says no, never
/// a 500, and the console goes on serving. And a prospect (an author without a CRM id) opens in the customer view.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class ConsoleOddRequestTests(RedisServersFixture servers, ITestOutputHelper output)
{
    [RedisTheory]
    [InlineData(RedisServers.Garnet)]
    public async Task An_alert_raised_for_a_prospect_opens_in_the_customer_view(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var alert = await scenario.WriteAlertAsync("acme", "x:angry-author");
        using var ana = await scenario.SignedInAsync("ana");

        // The page opens a queue entry's entity as brand + everything after the first colon, as here.
        using var response = await ana.GetAsync(new Uri("/api/brands/acme/customers/" + Uri.EscapeDataString("x:angry-author"), UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("acme:x:angry-author", view.RootElement.GetProperty("entityId").GetString());
        Assert.Equal(alert.Id, Assert.Single(view.RootElement.GetProperty("signals").EnumerateArray()).GetProperty("id").GetString());
    }

    /// <summary>
    /// A catch-up point past the calendar (a crafted <c>since</c> or Last-Event-ID) is refused before the stream starts: it
    /// used to open the stream and then drop the connection, which a browser retries for ever. A KPI period that ends
    /// before it starts is refused saying so, and a listed alert without its event time (another hand's) no longer makes
    /// the overview answer 500 for the whole brand.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Garnet)]
    public async Task Times_past_the_calendar_or_backwards_are_refused_400_and_an_alert_without_its_event_time_is_passed_over(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var alert = await scenario.WriteAlertAsync("acme", "cust-1");
        using var ana = await scenario.SignedInAsync("ana");

        foreach (var (query, lastEventId) in new[] { ("since=9223372036854775807", null), ("since=-62135596800001", null), ("", "9223372036854775807") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stream?brand=acme&" + query);
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }
            using var answer = await ana.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Contains("milliseconds since 1970", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var backwards = await ana.GetAsync(new Uri("/api/brands/acme/kpis?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
            Assert.Contains("from is after to", await backwards.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var withoutEventTime = JsonNode.Parse(alert.ToOutbound().Json)!.AsObject();
        withoutEventTime.Remove("eventTime");
        withoutEventTime["alertId"] = "crs-00000000000000ff";
        await scenario.Redis.ListLeftPushAsync(new RedisKeys(scenario.KeyPrefix).Alerts("acme"), withoutEventTime.ToJsonString());
        using var overview = await ana.GetAsync(new Uri("/api/brands/acme/overview", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
    }

    /// <summary>
    /// What another hand left in the keys the console reads — a case record or audit entry that is not one, a case, its
    /// audit, the case index, a customer's hash, a ranking or a minute's count of another type, a timeline entry that is
    /// not a JSON object — is passed over: the queue, the views, the KPIs and the stream answer for everything else (one such
    /// case answered 500 for the whole queue, of every brand), and working such a case replaces what was there.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task What_another_hand_left_in_the_consoles_keys_is_passed_over_and_working_the_case_replaces_it(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var notJson = await scenario.WriteAlertAsync("acme", "cust-1");
        var otherType = await scenario.WriteAlertAsync("acme", "cust-2");
        var badVersion = await scenario.WriteAlertAsync("acme", "cust-3");
        var worked = await scenario.WriteAlertAsync("acme", "cust-4");
        using var ana = await scenario.SignedInAsync("ana");
        Assert.Equal(HttpStatusCode.OK, (await ClaimAsync(ana, worked.Id)).StatusCode);
        var keys = new RedisKeys(scenario.KeyPrefix);
        var db = scenario.Redis;
        await db.HashSetAsync(keys.Case("acme", notJson.Id), [new("version", "2"), new("last", "not json")]);
        await db.StringSetAsync(keys.CaseAudit("acme", notJson.Id), "another hand's");
        await db.StringSetAsync(keys.Case("acme", otherType.Id), "another hand's");
        await db.HashSetAsync(keys.Case("acme", badVersion.Id), [new("version", "abc"), new("last", "{}")]);
        await db.ListRightPushAsync(keys.CaseAudit("acme", worked.Id), "not json");
        await db.StringSetAsync(keys.Cases("acme"), "another hand's");
        await db.ListLeftPushAsync(keys.Timeline(EntityId.ForCustomer("acme", "cust-1")), ["{\"mentionId\":\"m-1\"}", "not json", "null", "[1,2]", "42"]);
        await db.StringSetAsync(keys.Customer(EntityId.ForCustomer("acme", "cust-2")), "another hand's");
        await db.StringSetAsync(keys.Risk("acme"), "another hand's");
        var minute = worked.EventTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        await db.HashSetAsync(keys.Volume("acme", minute), [new("positive", "3"), new("negative", "many")]);

        using (var queue = JsonDocument.Parse(await ana.GetStringAsync(new Uri("/api/queue", UriKind.Relative))))
        {
            var cases = queue.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("case").GetProperty("state").GetString());
            Assert.Equal(new Dictionary<string, string?> { [notJson.Id] = "open", [otherType.Id] = "open", [badVersion.Id] = "open", [worked.Id] = "claimed" }, cases);
        }
        using (var customer = JsonDocument.Parse(await ana.GetStringAsync(new Uri("/api/brands/acme/customers/cust-1", UriKind.Relative))))
        {
            Assert.Equal("m-1", Assert.Single(customer.RootElement.GetProperty("mentions").EnumerateArray()).GetProperty("mentionId").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await ana.GetAsync(new Uri("/api/brands/acme/customers/cust-2", UriKind.Relative))).StatusCode);
        using (var audit = JsonDocument.Parse(await ana.GetStringAsync(new Uri($"/api/brands/acme/cases/{worked.Id}", UriKind.Relative))))
        {
            Assert.Single(audit.RootElement.GetProperty("audit").EnumerateArray());
        }
        foreach (var id in new[] { notJson.Id, otherType.Id, badVersion.Id })
        {
            Assert.Equal(HttpStatusCode.OK, (await ana.GetAsync(new Uri($"/api/brands/acme/cases/{id}", UriKind.Relative))).StatusCode);
        }
        using (var overview = JsonDocument.Parse(await ana.GetStringAsync(new Uri("/api/brands/acme/overview", UriKind.Relative))))
        {
            var counted = overview.RootElement.GetProperty("volume").EnumerateArray().Single(v => v.GetProperty("positive").GetInt64() > 0);
            Assert.Equal(0, counted.GetProperty("negative").GetInt64());
            Assert.Empty(overview.RootElement.GetProperty("risk").EnumerateArray());
        }
        Assert.Equal(HttpStatusCode.OK, (await ana.GetAsync(new Uri("/api/brands/acme/kpis", UriKind.Relative))).StatusCode);
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/stream?brand=acme&since=0"))
        using (var stream = await ana.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            var text = new StringBuilder();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!text.ToString().Contains("event: ready", StringComparison.Ordinal) && await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                text.AppendLine(line);
            }
            Assert.Contains(notJson.Id, text.ToString(), StringComparison.Ordinal);
        }

        foreach (var (id, versionAfter) in new[] { (notJson.Id, 3L), (otherType.Id, 1L), (badVersion.Id, 1L) })
        {
            Assert.Equal(HttpStatusCode.OK, (await ClaimAsync(ana, id)).StatusCode);
            using var found = JsonDocument.Parse(await ana.GetStringAsync(new Uri($"/api/brands/acme/cases/{id}", UriKind.Relative)));
            Assert.Equal("claimed", found.RootElement.GetProperty("case").GetProperty("state").GetString());
            Assert.Equal(versionAfter, found.RootElement.GetProperty("case").GetProperty("version").GetInt64());
            Assert.Equal(versionAfter, found.RootElement.GetProperty("audit").EnumerateArray().Last().GetProperty("version").GetInt64());
        }
        using var kpis = JsonDocument.Parse(await ana.GetStringAsync(new Uri("/api/brands/acme/kpis", UriKind.Relative)));
        Assert.Equal(3, kpis.RootElement.GetProperty("timeToFirstAction").GetProperty("P1").GetProperty("count").GetInt32());
    }

    private static Task<HttpResponseMessage> ClaimAsync(HttpClient client, string signalId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/brands/acme/cases/{signalId}/claim") { Content = JsonContent.Create(new { }) };
        request.Headers.Add(Access.WriteGuard.HeaderName, "1");
        return client.SendAsync(request);
    }

    [RedisTheory]
    [InlineData(RedisServers.Garnet)]
    public async Task Odd_requests_are_answered_4xx_and_the_console_goes_on(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var alert = await scenario.WriteAlertAsync("acme", "cust-1");
        using var ana = await scenario.SignedInAsync("ana");
        var longId = new string('c', 129);
        string[] reads =
        [
            $"/api/brands/acme/customers/{longId}",
            "/api/brands/acme/customers/" + Uri.EscapeDataString("nosuchplatform:author"),
            "/api/brands/acme/customers/" + Uri.EscapeDataString("x:"),
            "/api/brands/acme/customers/" + Uri.EscapeDataString("a\u0000b"),
            "/api/brands/ACME/overview",
            "/api/brands/acme/overview?minutes=abc",
            "/api/brands/acme/overview?minutes=99999999999",
            "/api/brands/acme/kpis?from=yesterday",
            "/api/brands/acme/kpis?from=0001-01-01T00:00:00Z",
            "/api/brands/acme/kpis?to=9999-12-31T23:59:59Z",
            "/api/brands/acme/kpis?to=0001-01-01T00:00:00Z",
            "/api/brands/acme/cases/not-a-signal",
            $"/api/brands/acme/cases/{alert.Id}x",
            "/api/queue?brand=",
            "/api/stream?brand=acme&since=abc",
        ];
        foreach (var path in reads)
        {
            using var answer = await ana.GetAsync(new Uri(path, UriKind.Relative));
            output.WriteLine($"GET {path}: {(int)answer.StatusCode}");
            Assert.True((int)answer.StatusCode < 500, $"GET {path} answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }

        // A misspelt filter is refused with the values allowed, rather than answered with an empty queue.
        foreach (var (query, allowed) in new[]
        {
            ("priority=p1", "priority is one of P1, P2, P3, P4"), ("state=lost", "state is one of open, claimed, resolved"),
            ("type=rumour", "type is one of crisis, trigger, retention, acquisition, advocacy, termination-review"),
            ("kind=viral", "kind is one of influencer-negative, viral-negative, volume-spike, sentiment-shift"),
        })
        {
            using var answer = await ana.GetAsync(new Uri("/api/queue?" + query, UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            using var problem = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
            Assert.Equal(allowed, problem.RootElement.GetProperty("detail").GetString());
        }

        var claim = $"/api/brands/acme/cases/{alert.Id}/claim";
        (string Path, HttpContent Body)[] writes =
        [
            (claim, new StringContent("{not json", Encoding.UTF8, "application/json")),
            (claim, new StringContent("[1,2,3]", Encoding.UTF8, "application/json")),
            (claim, new StringContent("{\"assignee\":42}", Encoding.UTF8, "application/json")),
            (claim, new StringContent("assignee=ben", Encoding.UTF8, "application/x-www-form-urlencoded")),
            ($"/api/brands/acme/cases/{alert.Id}/assign", JsonContent.Create(new { assignee = new string('b', 65) })),
            ($"/api/brands/acme/cases/{alert.Id}/note", JsonContent.Create(new { text = new string('n', 100_000) })),
            ($"/api/brands/acme/cases/{alert.Id}/resolve", JsonContent.Create(new { outcome = "" })),
            ($"/api/brands/acme/cases/{alert.Id}/explode", JsonContent.Create(new { })),
        ];
        foreach (var (path, body) in writes)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
            request.Headers.Add(Access.WriteGuard.HeaderName, "1");
            using var answer = await ana.SendAsync(request);
            output.WriteLine($"POST {path}: {(int)answer.StatusCode}");
            Assert.InRange((int)answer.StatusCode, 400, 499);
        }

        // None of them changed the case, and the console still serves.
        using var audit = JsonDocument.Parse(await ana.GetStringAsync(new Uri($"/api/brands/acme/cases/{alert.Id}", UriKind.Relative)));
        Assert.Empty(audit.RootElement.GetProperty("audit").EnumerateArray());
        using var queue = JsonDocument.Parse(await ana.GetStringAsync(new Uri("/api/queue", UriKind.Relative)));
        Assert.Equal(alert.Id, Assert.Single(queue.RootElement.EnumerateArray()).GetProperty("id").GetString());
    }
}
