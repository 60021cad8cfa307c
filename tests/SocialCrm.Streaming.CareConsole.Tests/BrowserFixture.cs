using Microsoft.Playwright;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>
/// Debian's chromium (<c>apt-get install -y chromium</c>; .ci/run installs it) driven by Playwright; no browser is
/// downloaded. Each <see cref="IBrowser.NewContextAsync"/> gets its own cookies, and Playwright starts the browser
/// with a fresh temporary profile.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install -y chromium");
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
    }

    /// <summary>A page signed in as <paramref name="agent"/>, its queue rendered and its live stream connected.</summary>
    public async Task<IPage> OpenConsoleAsync(ConsoleScenario scenario, string agent)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 820 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(scenario.SignInUrl(agent));
        await page.Locator("#live.on").WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        return page;
    }
}
