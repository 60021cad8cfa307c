using System.Diagnostics;
using Microsoft.Playwright;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>`socialcrm demo` serves the console: its one `Console:` line opens it signed in as a demo agent for every brand.</summary>
public sealed class DemoConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_demo_prints_a_console_url_that_opens_the_live_queue_signed_in_for_every_brand()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "socialcrm.dll"), "demo", "--duration", "90s", "--rate", "800" })
        {
            start.ArgumentList.Add(arg);
        }
        using var demo = Process.Start(start)!;
        try
        {
            _ = demo.StandardError.ReadToEndAsync();
            var url = await ReadConsoleLineAsync(demo.StandardOutput, TimeSpan.FromSeconds(90));
            Assert.Matches(@"^http://127\.0\.0\.1:\d+/dev-login\?token=[0-9a-f]{32}$", url);

            var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 820 } });
            var page = await context.NewPageAsync();
            await page.GotoAsync(url);
            await page.Locator("#live.on").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("#user")).ToHaveTextAsync("demo-agent · acme, globex, initech, umbrella");
            // The processor's triggers and alerts arrive while the page is open.
            await Assertions.Expect(page.Locator("#queue tbody tr")).Not.ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 60_000 });
            // New rows keep arriving on top: hold on to one by its id.
            var id = await page.Locator("#queue tbody tr").First.GetAttributeAsync("data-id");
            var row = page.Locator($"#queue tbody tr[data-id='{id}']");
            await row.ClickAsync();
            await page.Locator("#detail button[data-action=claim]").ClickAsync();
            await Assertions.Expect(row.Locator("[data-field=assignee]")).ToHaveTextAsync("demo-agent");
            await context.CloseAsync();
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }
            await demo.WaitForExitAsync();
        }
    }

    private static async Task<string> ReadConsoleLineAsync(StreamReader output, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (await output.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.StartsWith("Console: ", StringComparison.Ordinal))
            {
                // Keep reading, so the demo never blocks on a full pipe.
                _ = output.ReadToEndAsync(CancellationToken.None);
                return line["Console: ".Length..];
            }
        }
        throw new EndOfStreamException("the demo ended without a Console: line");
    }
}
