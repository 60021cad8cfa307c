using System.Text.Json;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// <c>socialcrm evaluate</c> as CI runs it: the shipped scenarios generated from the labelled corpus, then evaluated
/// against the false-alarm and delay budgets; and its exit codes for broken budgets and bad input.
/// </summary>
public sealed class EvaluateCommandTests(ITestOutputHelper output)
{
    private static readonly string[] CrisisDetectors = ["influencer-negative", "sentiment-shift", "viral-negative", "volume-spike"];

    private static string Corpus => Path.Combine(RepoPaths.Root, "tests", "SocialCrm.Streaming.Domain.Tests", "Data", "amazon_cells_labelled.txt");

    [Fact]
    public async Task Shipped_scenarios_keep_the_budgets_no_false_crisis_alert_over_500_calm_brand_hours_every_burst_within_two_minutes()
    {
        var directory = Directory.CreateTempSubdirectory("socialcrm-scenarios-");
        try
        {
            var generated = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(5), "evaluate", "--generate-scenarios", directory.FullName, "--corpus", Corpus);
            Assert.True(generated.ExitCode == 0, generated.Error);
            var report = Path.Combine(directory.FullName, "report.json");
            var run = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(10), "evaluate", "--scenarios", directory.FullName,
                "--max-false-alarms-per-brand-day", "0", "--max-delay", "2m", "--report", report);
            output.WriteLine(run.Output);
            Assert.True(run.ExitCode == 0, run.Output + run.Error);

            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report));
            var root = json.RootElement;
            var calmHours = Directory.EnumerateFiles(directory.FullName, "calm-*.jsonl").Sum(CalmBrandHours);
            Assert.True(calmHours >= 500, $"{calmHours} calm brand-hours");
            var detectors = root.GetProperty("detectors").EnumerateArray().ToDictionary(d => d.GetProperty("detector").GetString()!);
            foreach (var name in CrisisDetectors)
            {
                Assert.Equal(0, detectors[name].GetProperty("falseAlarms").GetInt32());
            }
            var incidents = root.GetProperty("incidents").EnumerateArray().ToList();
            var bursts = incidents.Where(i => i.GetProperty("id").GetString()!.StartsWith("burst-", StringComparison.Ordinal)).ToList();
            Assert.True(bursts.Count >= 18, $"{bursts.Count} bursts"); // 4 steps, 3 spikes and a double burst per seed
            Assert.All(bursts, b => Assert.InRange(b.GetProperty("delaySeconds").GetDouble(), 0, 120));
            Assert.All(incidents, i => Assert.True(i.GetProperty("inTime").GetBoolean(), i.GetRawText()));
            Assert.Equal(0, root.GetProperty("brokenBudgets").GetArrayLength());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_missed_incident_exits_1_and_bad_input_exits_2()
    {
        var directory = Directory.CreateTempSubdirectory("socialcrm-scenario-");
        try
        {
            var file = Path.Combine(directory.FullName, "quiet.jsonl");
            var lines = new List<string>
            {
                """{"scenario":"quiet","brands":["acme"],"start":"2026-11-02T00:00:00Z","end":"2026-11-02T00:20:00Z","scored":["volume-spike"],"incidents":[{"id":"none-happens","brand":"acme","kinds":["volume-spike"],"start":"2026-11-02T00:10:00Z","end":"2026-11-02T00:12:00Z"}]}""",
            };
            for (var i = 0; i < 200; i++)
            {
                lines.Add($$"""{"id":"m{{i}}","platform":"x","brand":"acme","author":{"id":"a{{i}}"},"text":"@Acme works fine","createdAt":"2026-11-02T00:{{i / 10:D2}}:{{i % 10 * 6:D2}}Z"}""");
            }
            await File.WriteAllLinesAsync(file, lines);
            var missed = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(1), "evaluate", "--scenarios", file);
            Assert.Equal(1, missed.ExitCode);
            Assert.Contains("quiet: incident none-happens missed (by volume-spike)", missed.Output, StringComparison.Ordinal);

            await File.WriteAllLinesAsync(file, [lines[0].Replace("\"volume-spike\"]", "\"volume-spikes\"]", StringComparison.Ordinal), .. lines.Skip(1)]);
            var unknown = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(1), "evaluate", "--scenarios", file);
            Assert.Equal(2, unknown.ExitCode);
            Assert.Contains("quiet.jsonl line 1: \"scored\" names an unknown detector 'volume-spikes'", unknown.Error, StringComparison.Ordinal);

            await File.WriteAllLinesAsync(file, [lines[0], """{"id":"broken"}"""]);
            var broken = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(1), "evaluate", "--scenarios", file);
            Assert.Equal(2, broken.ExitCode);
            Assert.Contains("quiet.jsonl line 2: missing-field", broken.Error, StringComparison.Ordinal);

            var usage = await SocialCrmProcess.RunAsync(TimeSpan.FromMinutes(1), "evaluate", "--generate-scenarios", directory.FullName);
            Assert.Equal(2, usage.ExitCode);
            Assert.Contains("--generate-scenarios needs --corpus", usage.Error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static double CalmBrandHours(string file)
    {
        using var header = JsonDocument.Parse(File.ReadLines(file).First());
        var root = header.RootElement;
        Assert.Equal(0, root.GetProperty("incidents").GetArrayLength());
        var hours = (root.GetProperty("end").GetDateTimeOffset() - root.GetProperty("start").GetDateTimeOffset()).TotalHours;
        return root.GetProperty("brands").GetArrayLength() * hours;
    }
}
