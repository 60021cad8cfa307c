using System.Globalization;
using Microsoft.Playwright;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>
/// The console in a real browser against a real redis-server, fed by the processor's own store: live alerts,
/// two agents working one alert, and a user who may not see a brand.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class ConsoleBrowserTests(RedisServersFixture servers, BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    /// <summary>Where to save the screenshot (the README's); default: the test's output directory.</summary>
    public const string ScreenshotVariable = "SOCIALCRM_CONSOLE_SCREENSHOT";

    private static readonly LocatorWaitForOptions Shown = new() { Timeout = 10_000 };

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_new_alert_appears_in_the_open_page_without_a_reload(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var first = await scenario.WriteAlertAsync("acme", "cust-100");
        await scenario.WriteRetentionAsync("globex", "cust-200", Domain.Profiles.ValueTier.Platinum);
        var page = await browser.OpenConsoleAsync(scenario, "ana");
        await page.Locator(Row(first.Id)).WaitForAsync(Shown);
        var firstRender = await page.EvaluateAsync<double>("window.consoleTimings.firstRender");
        var loaded = await page.EvaluateAsync<double>("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd");
        await page.EvaluateAsync("window.sameDocument = true");
        // The row of an entry stays the same element while others arrive: a click in a flood of signals lands on it.
        await page.EvaluateAsync($"window.firstRow = document.querySelector(\"{Row(first.Id)}\")");

        var delays = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var alert = await scenario.WriteAlertAsync(i % 2 == 0 ? "acme" : "globex", $"cust-{300 + i}", i % 3 == 0 ? Priority.P1 : Priority.P3);
            await page.Locator(Row(alert.Id)).WaitForAsync(Shown);
            var shownAt = await page.EvaluateAsync<double>($"window.consoleTimings.shown['{alert.Id}']");
            delays.Add(shownAt - alert.DetectedAt.ToUnixTimeMilliseconds());
        }

        Assert.True(await page.EvaluateAsync<bool>("window.sameDocument === true"), "the page was reloaded");
        Assert.True(await page.EvaluateAsync<bool>($"window.firstRow === document.querySelector(\"{Row(first.Id)}\")"), "the first row was rendered anew");
        Assert.Equal(12, await page.Locator("#queue tbody tr").CountAsync());
        // P1 rows come before P3 rows.
        var priorities = await page.Locator("#queue tbody tr td:first-child").AllInnerTextsAsync();
        Assert.Equal(priorities.Order(StringComparer.Ordinal), priorities);
        delays.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{server}: first render of the queue {firstRender:F0} ms after navigation start (DOMContentLoaded {loaded:F0} ms); " +
            $"alert written to Redis -> shown in the page: median {CaseKpis(delays, 0.5):F0} ms, max {delays[^1]:F0} ms over {delays.Count}"));

        if (server == RedisServers.Redis)
        {
            await page.Locator(Row(first.Id)).ClickAsync();
            await page.Locator("#detail button[data-action=claim]").ClickAsync();
            await page.Locator($"{Row(first.Id)} [data-field=assignee]").Filter(new LocatorFilterOptions { HasText = "ana" }).WaitForAsync(Shown);
            var path = Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 } configured
                ? configured
                : Path.Combine(AppContext.BaseDirectory, "console.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
            output.WriteLine($"screenshot: {path}");
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Two_agents_work_one_alert_one_claim_wins_and_both_pages_follow_the_note_and_the_resolution(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var alert = await scenario.WriteAlertAsync("acme", "cust-400");
        var ana = await browser.OpenConsoleAsync(scenario, "ana");
        var ben = await browser.OpenConsoleAsync(scenario, "ben");
        foreach (var page in new[] { ana, ben })
        {
            await page.Locator(Row(alert.Id)).ClickAsync();
            await page.Locator($"#detail[data-id='{alert.Id}']").WaitForAsync(Shown);
        }

        // Both press Claim at once.
        await Task.WhenAll(
            ana.Locator("#detail button[data-action=claim]").ClickAsync(),
            ben.Locator("#detail button[data-action=claim]").ClickAsync());
        var assignee = ana.Locator($"{Row(alert.Id)} [data-field=assignee]");
        await Assertions.Expect(assignee).Not.ToBeEmptyAsync();
        var winnerName = await assignee.InnerTextAsync();
        var (winner, loser) = winnerName == "ana" ? (ana, ben) : (ben, ana);
        Assert.Contains(winnerName, new[] { "ana", "ben" });
        await Assertions.Expect(loser.Locator("#message")).ToHaveTextAsync($"Not done: already claimed by {winnerName}");
        await Assertions.Expect(loser.Locator($"{Row(alert.Id)} [data-field=assignee]")).ToHaveTextAsync(winnerName);

        await winner.Locator("#note").FillAsync("Called the customer back; replacement shipped.");
        await winner.Locator("#detail button[data-action=note]").ClickAsync();
        await Assertions.Expect(loser.Locator("#audit")).ToContainTextAsync("replacement shipped");
        await winner.Locator("#outcome").SelectOptionAsync("responded");
        await winner.Locator("#detail button[data-action=resolve]").ClickAsync();
        foreach (var page in new[] { ana, ben })
        {
            await Assertions.Expect(page.Locator($"{Row(alert.Id)} [data-field=state]")).ToHaveTextAsync("resolved (responded)");
        }

        var audit = (await scenario.Redis.ListRangeAsync($"{scenario.KeyPrefix}:{{acme}}:case:{alert.Id}:audit")).Select(e => CaseJson.Parse(e!)).ToList();
        Assert.Equal([CaseAction.Claim, CaseAction.Note, CaseAction.Resolve], audit.Select(e => e.Action));
        Assert.All(audit, e => Assert.Equal(winnerName, e.Actor));
        Assert.Equal(CaseOutcome.Responded, audit[^1].Outcome);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_user_without_the_brand_sees_nothing_of_it_and_a_direct_request_is_refused_with_403(string server)
    {
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(server));
        var hidden = await scenario.WriteAlertAsync("acme", "cust-500");
        var visible = await scenario.WriteAlertAsync("globex", "cust-501");
        var eve = await browser.OpenConsoleAsync(scenario, "eve");
        await eve.Locator(Row(visible.Id)).WaitForAsync(Shown);

        // A live acme alert written before a live globex one: the globex one shows, the acme one never does.
        var hiddenLive = await scenario.WriteAlertAsync("acme", "cust-502");
        var visibleLive = await scenario.WriteAlertAsync("globex", "cust-503");
        await eve.Locator(Row(visibleLive.Id)).WaitForAsync(Shown);
        Assert.Equal(0, await eve.Locator("#queue tbody tr[data-brand=acme]").CountAsync());
        Assert.DoesNotContain("acme", await eve.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(2, await eve.Locator("#queue tbody tr").CountAsync());

        var url = scenario.Console.Url;
        foreach (var path in new[] { $"/api/brands/acme/cases/{hidden.Id}", "/api/queue?brand=acme", "/api/brands/acme/customers/cust-500", "/api/stream?brand=acme" })
        {
            var response = await eve.Context.APIRequest.GetAsync(new Uri(url, path).ToString());
            Assert.Equal(403, response.Status);
        }
        var claim = await eve.EvaluateAsync<int>(
            "async (u) => (await fetch(u, { method: 'POST', headers: { 'X-Console-Request': '1', 'Content-Type': 'application/json' }, body: '{}' })).status",
            $"/api/brands/acme/cases/{hiddenLive.Id}/claim");
        Assert.Equal(403, claim);
        Assert.False(await scenario.Redis.KeyExistsAsync($"{scenario.KeyPrefix}:{{acme}}:case:{hiddenLive.Id}"));
    }

    private static string Row(string signalId) => $"#queue tbody tr[data-id='{signalId}']";

    private static double CaseKpis(IReadOnlyList<double> sorted, double p) => Kpis.CaseKpis.Percentile(sorted, p);
}
