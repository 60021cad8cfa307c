using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>The production sign-in: OpenID Connect bearer tokens from an issuer the console discovers, brands from a claim.</summary>
[Collection(RedisServersFixture.Collection)]
public sealed class BearerSignInTests(RedisServersFixture servers, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Audience = "socialcrm-console";

    [Fact]
    public async Task A_bearer_token_signs_in_with_its_brands_claim_and_the_page_works_with_it()
    {
        await using var issuer = await TokenIssuer.StartAsync();
        await using var scenario = await ConsoleScenario.StartAsync(servers.Get(RedisServers.Redis), configure: options =>
        {
            options.DevSignIn = new DevSignInOptions();
            options.Auth = new ConsoleAuthOptions { Authority = issuer.Authority, Audience = Audience, RequireHttpsMetadata = false };
        });
        var acme = await scenario.WriteAlertAsync("acme", "cust-800");
        var globex = await scenario.WriteAlertAsync("globex", "cust-801");
        using var client = new HttpClient { BaseAddress = scenario.Console.Url };

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue("ben", Audience, "acme"));
        using (var queue = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/queue", UriKind.Relative))))
        {
            Assert.Equal([acme.Id], queue.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(new Uri($"/api/brands/globex/cases/{globex.Id}", UriKind.Relative))).StatusCode);
        using (var claim = new HttpRequestMessage(HttpMethod.Post, $"/api/brands/acme/cases/{acme.Id}/claim") { Content = JsonContent.Create(new { }) })
        {
            claim.Headers.Add(Access.WriteGuard.HeaderName, "1");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(claim)).StatusCode);
        }
        var audit = await scenario.Redis.ListRangeAsync($"{scenario.KeyPrefix}:{{acme}}:case:{acme.Id}:audit");
        Assert.Equal("ben", CaseJson.Parse(Assert.Single(audit)!).Actor);

        // A token for another audience, no token, and the development sign-in (off) all get nothing.
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue("ben", "another-app", "acme"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/queue", UriKind.Relative))).StatusCode);
        client.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/queue", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/dev-login?token=dev-token-ana-0123456789", UriKind.Relative))).StatusCode);

        // The page, handed the token in its fragment, reads and streams with it.
        var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(scenario.Console.Url, "/#access_token=" + issuer.Issue("ana", Audience, "acme", "globex")).ToString());
        await page.Locator("#live.on").WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        await page.Locator($"#queue tbody tr[data-id='{globex.Id}']").WaitForAsync();
        var live = await scenario.WriteAlertAsync("globex", "cust-802");
        await page.Locator($"#queue tbody tr[data-id='{live.Id}']").WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#user")).ToHaveTextAsync("ana · acme, globex");
        await context.CloseAsync();
    }
}
