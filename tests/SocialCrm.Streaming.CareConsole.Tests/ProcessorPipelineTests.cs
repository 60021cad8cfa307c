using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>
/// The console fed by the real processor: a mention goes into Kafka (mock cluster), a processor node raises an
/// influencer alert and writes the customer's state and timeline to redis-server, and the open page shows them.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class ProcessorPipelineTests(RedisServersFixture servers, MockKafkaFixture kafka, BrowserFixture browser, ITestOutputHelper output)
    : IClassFixture<MockKafkaFixture>, IClassFixture<BrowserFixture>
{
    private const int Partitions = 2;

    [Fact]
    public async Task An_alert_the_processor_raises_appears_live_and_its_customer_shows_state_and_timeline_with_the_post_link()
    {
        var redis = servers.Get(RedisServers.Redis);
        await using var scenario = await ConsoleScenario.StartAsync(redis);
        var topics = new ProcessorTopics(
            kafka.CreateUniqueTopic("mentions", Partitions), Partitions, kafka.CreateUniqueTopic("profiles", Partitions),
            kafka.CreateUniqueTopic("dlq", 1), kafka.CreateUniqueTopic("crisis", 1), kafka.CreateUniqueTopic("lifecycle", 1),
            kafka.CreateUniqueTopic("erasures", 1));
        var options = ConfigurationLoader.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka:GroupId"] = MockKafkaFixture.UniqueGroup("console"),
            ["Kafka:SessionTimeoutMs"] = "6000",
            ["Kafka:CommitInterval"] = "00:00:00.200",
            ["Redis:Configuration"] = redis.ConnectionString,
            ["Redis:KeyPrefix"] = scenario.KeyPrefix,
            ["Cluster:Hostname"] = "127.0.0.1",
            ["Cluster:Port"] = "0",
            ["Metrics:Port"] = "0",
        }));
        await using var node = new ProcessorNode(options, topics, new RulesOptions(), configureLogging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await node.StartAsync();
        var page = await browser.OpenConsoleAsync(scenario, "ana");

        const string url = "https://x.com/skyreviewer/status/1861234567890";
        var mention = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = "m-" + Guid.NewGuid().ToString("N")[..10],
            platform = "twitter",
            brand = "acme",
            customerId = "cust-900",
            author = new { id = "a-900", handle = "@skyreviewer", followers = 250_000, verified = true },
            text = "Worst service ever. Lost my bag, rude staff, and nobody answers. Terrible, I am furious!",
            lang = "en",
            createdAt = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            url,
        });
        kafka.Produce(topics.Mentions, [("acme:cust-900", mention)]);

        var row = page.Locator("#queue tbody tr[data-brand=acme]").First;
        await row.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var id = (await row.GetAttributeAsync("data-id"))!;
        Assert.StartsWith("crs-", id, StringComparison.Ordinal);
        var shownAt = await page.EvaluateAsync<double>($"window.consoleTimings.shown['{id}']");
        var detectedAt = await page.EvaluateAsync<string>("async (id) => (await (await fetch('/api/queue')).json()).find(e => e.id === id).detectedAt", id);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"alert {id} written by the processor (detectedAt) -> shown in the page: {shownAt - DateTimeOffset.Parse(detectedAt, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds():F0} ms"));

        await row.ClickAsync();
        await page.Locator("#detail-customer").ClickAsync();
        var customer = page.Locator("#customer");
        await Assertions.Expect(customer.Locator("h2")).ToHaveTextAsync("acme:cust-900");
        await Assertions.Expect(customer.Locator("dl.state")).ToContainTextAsync("stage");
        await Assertions.Expect(customer.Locator("dl.state")).ToContainTextAsync("riskScore");
        await Assertions.Expect(customer.Locator("ol li")).ToHaveCountAsync(1);
        await Assertions.Expect(customer.Locator("ol li")).ToContainTextAsync("negative");
        Assert.Equal(url, await customer.Locator("ol li a").GetAttributeAsync("href"));
        await Assertions.Expect(customer.Locator("ul li")).ToContainTextAsync("influencer-negative");

        // The brand view charts the minute the processor counted the mention in; the KPIs count the open alert.
        await page.Locator("nav [data-tab=brand]").ClickAsync();
        await Assertions.Expect(page.Locator("#chart svg path")).ToHaveCountAsync(1);
        Assert.Equal(["1"], await page.Locator("#chart svg rect[data-count]").EvaluateAllAsync<string[]>("rects => rects.filter(r => r.dataset.count !== '0').map(r => r.dataset.count)"));
        await page.Locator("nav [data-tab=kpis]").ClickAsync();
        await Assertions.Expect(page.Locator("#kpis")).ToContainTextAsync("1 alerts and triggers detected in the period");
        await node.StopAsync();
    }
}
