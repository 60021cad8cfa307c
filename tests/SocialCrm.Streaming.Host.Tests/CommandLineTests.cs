using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>The <c>socialcrm</c> executable as a user runs it: exit codes, output, determinism.</summary>
public sealed class CommandLineTests(ITestOutputHelper output)
{
    private static Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan timeout, params string[] args) =>
        SocialCrmProcess.RunAsync(timeout, args);

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"socialcrm-test-{Guid.NewGuid():N}");

    [Fact]
    public async Task Replay_is_deterministic_whole_twice_and_in_two_halves_with_state_carried_over()
    {
        var mentions = TempFile();
        var first = TempFile();
        var second = TempFile();
        var state = TempFile();
        try
        {
            Assert.Equal(0, (await RunAsync(TimeSpan.FromMinutes(1), "generate", "--output", mentions, "--count", "16000")).ExitCode);
            var lines = await File.ReadAllLinesAsync(mentions);
            await File.WriteAllLinesAsync(first, lines[..7_000]);
            await File.WriteAllLinesAsync(second, lines[7_000..]);

            var whole = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions);
            var again = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions);
            var part1 = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", first, "--state-out", state);
            var part2 = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", second, "--state-in", state);

            Assert.Equal(0, whole.ExitCode);
            Assert.Contains("\"kind\":\"volume-spike\"", whole.Output, StringComparison.Ordinal);
            Assert.Contains("\"kind\":\"influencer-negative\"", whole.Output, StringComparison.Ordinal);
            Assert.Equal(whole.Output, again.Output);
            Assert.Equal(whole.Output, part1.Output + part2.Output);
            output.WriteLine($"{whole.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length} signals from {lines.Length} mentions");
        }
        finally
        {
            foreach (var file in new[] { mentions, first, second, state }) File.Delete(file);
        }
    }

    /// <summary>
    /// A continuation file that is no saved state, and one that cannot be written, are usage errors said before the replay
    /// runs; a replay that cannot finish leaves the state it continued from as it was.
    /// </summary>
    [Fact]
    public async Task Replay_refuses_a_state_it_cannot_read_or_write_before_replaying_and_keeps_the_saved_one_on_failure()
    {
        var mentions = TempFile();
        var state = TempFile();
        var garbage = TempFile();
        try
        {
            Assert.Equal(0, (await RunAsync(TimeSpan.FromMinutes(1), "generate", "--output", mentions, "--count", "2000")).ExitCode);
            await File.WriteAllBytesAsync(garbage, [0x56, 0x00, 0xFF, 0x13]);
            var unreadable = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions, "--state-in", garbage);
            Assert.Equal(2, unreadable.ExitCode);
            Assert.Contains($"--state-in {Path.GetFileName(garbage)} is not a state saved by 'socialcrm replay --state-out'", unreadable.Error, StringComparison.Ordinal);

            var nowhere = Path.Combine(TempFile(), "state.json");
            var unwritable = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions, "--state-out", nowhere);
            Assert.Equal(2, unwritable.ExitCode);
            Assert.Contains($"--state-out: no such directory: {Path.GetDirectoryName(nowhere)}", unwritable.Error, StringComparison.Ordinal);
            Assert.Empty(unwritable.Output);

            Assert.Equal(0, (await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions, "--state-out", state)).ExitCode);
            var saved = await File.ReadAllBytesAsync(state);
            // Continued in place, and stopped on the way by a profile line that is no profile: the saved state stays whole.
            await File.WriteAllTextAsync(garbage, "{\"key\":\"acme:C-1\",\"value\":{\"consent\":{\"processing\":true}}}\n{\"key\":\"acme:x:1\",\"value\":{}}\n");
            var failed = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions, "--state-in", state, "--state-out", state, "--profiles", garbage);
            Assert.Equal(2, failed.ExitCode);
            Assert.Contains("line 2", failed.Error, StringComparison.Ordinal);
            Assert.Equal(saved, await File.ReadAllBytesAsync(state));
            Assert.False(File.Exists(state + ".partial"));
        }
        finally
        {
            foreach (var file in new[] { mentions, state, garbage, state + ".partial" }) File.Delete(file);
        }
    }

    /// <summary>
    /// Replay's "now" is the stream's own time: mentions dated far ahead of the rest are reported on standard error in
    /// the usual "line N: reason: detail" form and change no alert; mentions from the past are replayed.
    /// </summary>
    [Fact]
    public async Task Replay_reports_mentions_far_ahead_of_the_stream_and_raises_the_same_alerts()
    {
        var mentions = TempFile();
        var hostile = TempFile();
        try
        {
            Assert.Equal(0, (await RunAsync(TimeSpan.FromMinutes(1), "generate", "--output", mentions, "--count", "16000")).ExitCode);
            var lines = await File.ReadAllLinesAsync(mentions);
            string[] times = ["2031-06-01T00:00:00Z", "1970-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "2001-01-01T00:00:00Z"];
            var withHostile = new List<string>();
            for (var i = 0; i < lines.Length; i++)
            {
                withHostile.Add(lines[i]);
                if (i % 1000 == 500)
                {
                    withHostile.Add($$"""{"id":"h{{i}}","platform":"x","brand":"acme","author":{"id":"hostile-{{i}}"},"text":"just got the update","createdAt":"{{times[i / 1000 % times.Length]}}"}""");
                }
            }
            await File.WriteAllLinesAsync(hostile, withHostile);

            var clean = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", mentions);
            var mixed = await RunAsync(TimeSpan.FromMinutes(1), "replay", "--input", hostile);

            Assert.Equal(0, clean.ExitCode);
            Assert.Equal(1, mixed.ExitCode);
            var reported = mixed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith("replay: ", StringComparison.Ordinal)).ToArray();
            output.WriteLine(string.Join('\n', reported.Take(4)));
            Assert.Equal(8, reported.Length);
            Assert.All(reported, line => Assert.Matches(@"^line \d+: event-time-out-of-range: createdAt ", line));
            // Ids carry line numbers, which the inserted lines shift: the same alerts are the same type, kind and subject.
            Assert.Equal(Describe(clean.Output), Describe(mixed.Output));
            Assert.Contains("crisis/volume-spike/acme", Describe(clean.Output));
        }
        finally
        {
            File.Delete(mentions);
            File.Delete(hostile);
        }

        static List<string> Describe(string signals) => [.. signals.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            var root = json.RootElement;
            var subject = root.TryGetProperty("entityId", out var entity) && entity.ValueKind == System.Text.Json.JsonValueKind.String
                ? entity.GetString() : root.GetProperty("brand").GetString();
            return $"{root.GetProperty("type").GetString()}/{(root.TryGetProperty("kind", out var kind) ? kind.GetString() : "")}/{subject}";
        })];
    }

    [Fact]
    public async Task Analyze_writes_one_line_per_mention_and_names_rejected_lines()
    {
        var input = TempFile();
        try
        {
            await File.WriteAllTextAsync(input, """
                {"id":"m1","platform":"x","brand":"acme","author":{"id":"a"},"text":"I am cancelling, switching to Contoso. Terrible!","createdAt":"2026-11-23T10:00:00Z"}
                not a mention
                {"id":"m2","platform":"review","brand":"acme","author":{"id":"b"},"text":"Love it, highly recommend","createdAt":"2026-11-23T10:01:00Z","lang":"en"}
                """, Encoding.UTF8);
            var result = await RunAsync(TimeSpan.FromMinutes(1), "analyze", "--input", input);
            var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            output.WriteLine(result.Output);
            output.WriteLine(result.Error);
            Assert.Equal(1, result.ExitCode);
            Assert.Equal(2, lines.Length);
            Assert.Contains("\"entityId\":\"acme:x:a\"", lines[0], StringComparison.Ordinal);
            Assert.Contains("cancel", lines[0], StringComparison.Ordinal);
            Assert.Contains("line 2: invalid-json", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(input);
        }
    }

    [Theory]
    [InlineData("Kafka:BootstrapServers", "run", "--redis", "localhost:6379")]
    [InlineData("Redis:Configuration", "run", "--kafka", "localhost:9092")]
    [InlineData("Cluster:SeedNodes", "run", "--kafka", "k:9092", "--redis", "r:6379", "--seed-nodes", "no-port-here")]
    [InlineData("Cluster:Port", "run", "--kafka", "k:9092", "--redis", "r:6379", "--port", "70000")]
    public async Task Invalid_configuration_stops_start_up_with_exit_2_naming_the_setting(string setting, params string[] args)
    {
        var result = await RunAsync(TimeSpan.FromMinutes(1), args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(setting, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_usage_exits_2()
    {
        Assert.Equal(2, (await RunAsync(TimeSpan.FromMinutes(1), "demo", "--duration", "soon")).ExitCode);
        Assert.Equal(2, (await RunAsync(TimeSpan.FromMinutes(1), "no-such-command")).ExitCode);
    }

    [Fact]
    public async Task Demo_runs_on_embedded_parts_and_stops_by_itself()
    {
        var result = await RunAsync(TimeSpan.FromMinutes(2), "demo", "--duration", "12s", "--rate", "1500");
        output.WriteLine(result.Output);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("processed", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"scrm:\{brand\}:customer:\*\s+[1-9][\d,]* keys", result.Output);
        Assert.Contains("mentions=", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_as_fast_as_the_node_keeps_up_processes_and_commits_every_mention_it_produced()
    {
        // The embedded broker keeps 5 MiB per partition: a generator that ran unbounded ahead had records dropped unread.
        var result = await RunAsync(TimeSpan.FromMinutes(2), "demo", "--duration", "12s", "--rate", "0");
        output.WriteLine(result.Output);
        Assert.Equal(0, result.ExitCode);
        var done = Regex.Match(result.Output, @"Done in [\d.]+ s: ([\d,]+) mentions produced, ([\d,]+) processed, ([\d,]+) dead-lettered, ([\d,]+) committed");
        Assert.True(done.Success, "the demo printed no summary");
        long Count(int group) => long.Parse(done.Groups[group].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.True(Count(1) > 0);
        Assert.Equal(Count(1), Count(2) + Count(3));
        Assert.Equal(Count(1), Count(4));
    }
}
