using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// A running <c>socialcrm run</c> process whose settings file is edited under it: a valid change of a brand's rule
/// takes effect within seconds (an influencer post below the old reach threshold now raises an alert that records the
/// new rules version); an invalid change is refused with the start-up message, counted, and the rules in force stay.
/// </summary>
public sealed class LiveRulesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FewSeconds = TimeSpan.FromSeconds(10);
    private const string Angry = "This is the worst, most awful service ever. I hate it, terrible and useless!";

    [Fact]
    public async Task A_rule_change_in_the_settings_file_applies_within_seconds_and_a_bad_one_is_refused_keeping_the_rules()
    {
        using var kafka = MockKafkaFixture.WithBrokers(1);
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.ForCatalogTopics(kafka, redis);
        var settingsFile = Path.Combine(Path.GetTempPath(), $"rules-{Guid.NewGuid():N}.json");
        try
        {
            var started = WriteRules(settingsFile, "200000");
            await using var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, scenario.ProcessSettings(), "--config", settingsFile);
            await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            Assert.Equal(1, await RulesInfoAsync(node, started));

            // 50,000 followers is below the started rules' 200,000: no alert.
            Produce(scenario, "before", 50_000);
            await WaitUntilCountedAsync(scenario, "acme:x:before");
            Assert.Empty(await scenario.ReadSignalsAsync());

            var changed = WriteRules(settingsFile, "20000");
            var clock = Stopwatch.StartNew();
            await node.WaitForOutputAsync($"Rules {changed} applied", FewSeconds);
            output.WriteLine($"rules {started} -> {changed} applied {clock.Elapsed.TotalSeconds:N1} s after the file changed");
            Produce(scenario, "after", 50_000);
            var alert = await WaitForAlertAsync(scenario, "acme:x:after");
            Assert.Equal(changed, alert.GetProperty("rulesVersion").GetString());
            output.WriteLine($"alert after the change within {clock.Elapsed.TotalSeconds:N1} s of the file change");
            Assert.Equal(1, await node.MetricAsync("socialcrm_rules_changes_applied_total"));

            // A bad change: refused with the message start-up gives, counted, and the changed rules stay in force.
            await File.WriteAllTextAsync(settingsFile, RulesJson("-5"));
            // Waited for in full: the refusal's log entry spans lines, which arrive one by one.
            await node.WaitForOutputAsync("Rules:Brands:acme:InfluencerFollowers must be > 0, was -5", FewSeconds);
            await node.WaitForOutputAsync($"rules {changed} stay in force", FewSeconds);
            Assert.Equal(1, await node.MetricAsync("socialcrm_rules_changes_refused_total"));
            var startup = await StartUpErrorAsync(settingsFile, kafka.BootstrapServers, redis.ConnectionString);
            Assert.Contains("Rules:Brands:acme:InfluencerFollowers must be > 0, was -5", startup, StringComparison.Ordinal);

            // A file that is not JSON at all is refused the same way.
            await File.WriteAllTextAsync(settingsFile, "{ \"Rules\": { \"Brands\": ");
            await WaitForMetricAsync(node, "socialcrm_rules_changes_refused_total", 2);

            // A misspelt name would leave the default in force unsaid: refused the same way, naming the closest name.
            await File.WriteAllTextAsync(settingsFile, RulesJson("5000").Replace("InfluencerFollowers", "InfluencerFollower", StringComparison.Ordinal));
            await node.WaitForOutputAsync("Rules:Brands:acme:InfluencerFollower is not a setting (env SOCIALCRM__Rules__Brands__acme__InfluencerFollower); did you mean Rules:Brands:acme:InfluencerFollowers?", FewSeconds);
            await WaitForMetricAsync(node, "socialcrm_rules_changes_refused_total", 3);

            Produce(scenario, "still", 50_000);
            var still = await WaitForAlertAsync(scenario, "acme:x:still");
            Assert.Equal(changed, still.GetProperty("rulesVersion").GetString());
            Assert.Equal(1, await RulesInfoAsync(node, changed));
            var (exitCode, _) = await node.TerminateAndWaitAsync(FewSeconds + FewSeconds);
            Assert.Equal(0, exitCode);
        }
        finally
        {
            File.Delete(settingsFile);
        }
    }

    [Fact]
    public async Task Replay_records_the_rules_version_of_its_settings_file_and_refuses_another()
    {
        var mentions = Path.Combine(Path.GetTempPath(), $"mentions-{Guid.NewGuid():N}.jsonl");
        var settingsFile = Path.Combine(Path.GetTempPath(), $"rules-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, (await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(1), "generate", "--output", mentions, "--count", "6000")).ExitCode);
            var version = WriteRules(settingsFile, "20000");

            var replay = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions, "--config", settingsFile);
            var pinned = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions, "--config", settingsFile, "--rules-version", version);
            var other = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions, "--config", settingsFile, "--rules-version", "0123456789ab");

            Assert.Equal(0, replay.ExitCode);
            var signals = replay.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(signals);
            Assert.All(signals, line => Assert.Equal(version, JsonDocument.Parse(line).RootElement.GetProperty("rulesVersion").GetString()));
            Assert.Equal(replay.Output, pinned.Output);
            Assert.Equal(2, other.ExitCode);
            Assert.Contains($"--rules-version 0123456789ab: the Rules of {Path.GetFileName(settingsFile)} are version {version}", other.Error, StringComparison.Ordinal);
            output.WriteLine($"{signals.Length} signals, all of rules {version}");
        }
        finally
        {
            File.Delete(mentions);
            File.Delete(settingsFile);
        }
    }

    private static string RulesJson(string influencerFollowers) =>
        $$"""{ "Rules": { "Brands": { "acme": { "InfluencerFollowers": {{influencerFollowers}} } } } }""";

    /// <summary>Writes the file and returns the version its rules have, as the node computes it.</summary>
    private static string WriteRules(string file, string influencerFollowers)
    {
        File.WriteAllText(file, RulesJson(influencerFollowers));
        return RulesVersion.Of(RulesConfiguration.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>(), file)));
    }

    private static void Produce(ProcessorScenario scenario, string author, int followers)
    {
        var mention = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["id"] = "m-" + author,
            ["platform"] = "x",
            ["brand"] = "acme",
            ["author"] = new Dictionary<string, object> { ["id"] = author, ["followers"] = followers },
            ["text"] = Angry,
            ["lang"] = "en",
            ["createdAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        });
        scenario.Kafka.Produce(scenario.Topics.Mentions, [(Encoding.UTF8.GetBytes($"acme:x:{author}"), mention, (Confluent.Kafka.Headers?)null)]);
    }

    private static async Task<JsonElement> WaitForAlertAsync(ProcessorScenario scenario, string entityId)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < FewSeconds + FewSeconds)
        {
            var found = (await scenario.ReadSignalsAsync()).Where(s => s.Description == $"crisis/influencer-negative/{entityId}").ToList();
            if (found.Count > 0)
            {
                return JsonDocument.Parse(found[0].Json).RootElement.Clone();
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no influencer-negative alert for {entityId}");
    }

    /// <summary>Waits until the entity's mention is applied (its snapshot, written with its alerts, is in Redis).</summary>
    private static async Task WaitUntilCountedAsync(ProcessorScenario scenario, string entityId)
    {
        var clock = Stopwatch.StartNew();
        while ((await scenario.ReadMentionCountsAsync()).GetValueOrDefault(entityId) != 1)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{entityId} was not counted");
            }
            await Task.Delay(100);
        }
    }

    private static async Task WaitForMetricAsync(HostProcess node, string name, double value)
    {
        var clock = Stopwatch.StartNew();
        while (await node.MetricAsync(name) != value)
        {
            if (clock.Elapsed > FewSeconds)
            {
                throw new TimeoutException($"{name} did not reach {value}:{Environment.NewLine}{node.Output}");
            }
            await Task.Delay(100);
        }
    }

    private static async Task<double?> RulesInfoAsync(HostProcess node, string version)
    {
        var (_, body) = await node.GetAsync("/metrics");
        var line = body.Split('\n').FirstOrDefault(l => l.StartsWith($"socialcrm_rules_info{{version=\"{version}\"}}", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture);
    }

    /// <summary>What start-up says about the same file: <c>socialcrm run</c> refuses it before connecting to anything.</summary>
    private static async Task<string> StartUpErrorAsync(string settingsFile, string kafka, string redis)
    {
        var (exitCode, _, error) = await SocialCrmProcess.RunAsync(TimeSpan.FromSeconds(60), "run", "--config", settingsFile, "--kafka", kafka, "--redis", redis);
        Assert.Equal(2, exitCode);
        return error;
    }
}
