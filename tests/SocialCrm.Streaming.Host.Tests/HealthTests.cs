using System.Diagnostics;
using System.Net;
using System.Text.Json;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// /health/live fails when only a restart helps (actor system, stream or consume loop dead); /health/ready fails
/// while the node cannot do its work (Redis not answering, records waiting with nothing done for Health:StallTimeout,
/// no partitions when there are enough for everyone) and says so with fixed problem names, never a dependency's text.
/// </summary>
public sealed class HealthTests(MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 4;

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(ProcessorNode node, string path)
    {
        using var http = new HttpClient { BaseAddress = new Uri(node.Host.Urls.First()), Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string[] Problems(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("problems", out var problems)
            ? [.. problems.EnumerateArray().Select(p => p.GetString()!)]
            : [];
    }

    /// <summary>Polls <paramref name="path"/> until <paramref name="accept"/> holds; returns the last answer.</summary>
    private async Task<(HttpStatusCode Status, string Body)> WaitForAsync(ProcessorNode node, string path, Func<HttpStatusCode, string, bool> accept, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (status, body) = await GetAsync(node, path);
            if (accept(status, body))
            {
                output.WriteLine($"{clock.Elapsed.TotalSeconds,5:N1} s {path}: {(int)status} {body}");
                return (status, body);
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{path} answered {(int)status} {body} after {timeout}");
            }
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Ready_fails_with_fixed_names_while_Redis_is_frozen_and_reports_the_stall_then_recovers()
    {
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var options = scenario.Options();
        options.Pipeline.AskTimeout = TimeSpan.FromSeconds(1);
        options.Health.StallTimeout = TimeSpan.FromSeconds(4);
        var generator = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 200, Seed = 41, CrisisAt = null });
        kafka.Produce(scenario.Topics.Mentions, generator.Generate(500).Select(r => (r.Key, r.Value)));
        await using var node = scenario.StartNode(options);
        await node.StartAsync();
        await WaitForAsync(node, "/health/ready", (status, _) => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(60));

        redis.Freeze();
        try
        {
            kafka.Produce(scenario.Topics.Mentions, generator.Generate(500).Select(r => (r.Key, r.Value)));
            var (status, body) = await WaitForAsync(node, "/health/ready",
                (_, text) => Problems(text) is var problems && problems.Contains("redis-unreachable") && problems.Contains("stalled"), TimeSpan.FromSeconds(60));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            // Only fixed names: no client message, host, port or timeout text of a dependency.
            Assert.All(Problems(body), problem => Assert.Matches("^[a-z-]+$", problem));
            Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
            Assert.DoesNotContain("imeout", body, StringComparison.Ordinal);
            // Redis frozen is a reason to take the node out of service, not to restart it.
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(node, "/health/live")).Status);
        }
        finally
        {
            redis.Thaw();
        }
        await WaitForAsync(node, "/health/ready", (status, _) => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        await node.StopAsync();
    }

    [Fact]
    public async Task Live_fails_and_the_node_stops_itself_when_the_actor_system_dies_under_the_stream()
    {
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        await using var node = scenario.StartNode();
        await node.StartAsync();
        await WaitForAsync(node, "/health/ready", (status, _) => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(node, "/health/live")).Status);

        // What a node downed by the split-brain resolver goes through: its actor system terminates under the stream.
        await node.ActorSystem.Terminate();
        var (status, body) = await WaitForAsync(node, "/health/live", (s, _) => s != HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("actor-system-terminated", Problems(body));
        await WaitForAsync(node, "/health/live", (_, text) => Problems(text).Contains("consumption-failed"), TimeSpan.FromSeconds(30));
        Assert.True(node.StoppedItself.IsCancellationRequested, "the node asked to be stopped");
        Assert.Equal(NodeExit.Failed, await node.StopWithinDeadlineAsync());
    }

    [Fact]
    public async Task A_member_without_partitions_is_ready_as_idle_only_when_there_are_more_members_than_partitions()
    {
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.Create(kafka, redis, partitions: 1);
        var ports = new[] { FreePort.Next(), FreePort.Next() };
        var seeds = $"127.0.0.1:{ports[0]}";
        await using var first = scenario.StartNode(scenario.Options(ports[0], seeds));
        await first.StartAsync();
        await WaitForAsync(first, "/health/ready", (status, _) => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        await using var second = scenario.StartNode(scenario.Options(ports[1], seeds));
        await second.StartAsync();

        // Two members, one partition: one of them has nothing to consume, and says it is idle by design.
        var answers = new List<string>();
        var clock = Stopwatch.StartNew();
        while (answers.Count(body => body.Contains("\"idle\":true", StringComparison.Ordinal)) != 1
            || answers.Count(body => body.Contains("\"idle\":false", StringComparison.Ordinal)) != 1)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), string.Join(" | ", answers));
            await Task.Delay(250);
            answers = [];
            foreach (var node in new[] { first, second })
            {
                var (status, body) = await GetAsync(node, "/health/ready");
                answers.Add(status == HttpStatusCode.OK ? body : $"{(int)status} {body}");
            }
        }
        output.WriteLine(string.Join(" | ", answers));
        await Task.WhenAll(second.StopAsync(), first.StopAsync());
    }
}
