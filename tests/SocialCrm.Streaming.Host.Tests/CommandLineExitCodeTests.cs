using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// The <c>socialcrm</c> executable's exit codes for usage errors (2, with the parser's or the settings' suggestions),
/// for Ctrl+C in a batch command (130, with the output so far flushed), and its progress lines on standard error.
/// </summary>
public sealed class CommandLineExitCodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"socialcrm-test-{Guid.NewGuid():N}");

    [Fact]
    public async Task A_missing_input_file_is_a_usage_error_naming_the_file()
    {
        var missing = TempFile();
        var result = await SocialCrmProcess.RunAsync(Timeout, "replay", "--input", missing);
        output.WriteLine(result.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--input: no such file: {missing}", result.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'socialcrm replay --help' for usage.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("console")]
    [InlineData("forget", "--brand", "acme", "--customer", "c1")]
    [InlineData("generate", "--count", "1")]
    [InlineData("topology", "verify")]
    [InlineData("replay")]
    public async Task A_settings_file_that_is_not_there_is_a_usage_error_naming_it(params string[] command)
    {
        // A Kubernetes pod whose settings ConfigMap is missing must say so, not start on the defaults or fail as a crash.
        var missing = TempFile();
        var result = await SocialCrmProcess.RunAsync(Timeout, [.. command, "--config", missing]);
        output.WriteLine(result.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--config: no such file: {missing}", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("console")]
    [InlineData("topology", "verify")]
    [InlineData("replay")]
    public async Task A_settings_file_that_is_not_json_is_a_usage_error_saying_where(params string[] command)
    {
        // An operator's edit that leaves a comma or a brace behind: exit 2 naming the file and the place, never a crash.
        var broken = TempFile() + ".json";
        await File.WriteAllTextAsync(broken, """{ "Kafka": { "BootstrapServers": "kafka:9092" }""");
        try
        {
            var result = await SocialCrmProcess.RunAsync(Timeout, [.. command, "--config", broken]);
            output.WriteLine(result.Error);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"settings file {broken} is not a JSON object of settings: ", result.Error, StringComparison.Ordinal);
            Assert.Contains("BytePositionInLine: 47", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    /// <summary>
    /// A port another process listens on (a second demo, a console beside a node) stops start-up at once with exit 2
    /// naming the flag or setting; the bind used to fail seconds later, deep in Kestrel or Akka's transport, with exit 1
    /// and five nested "One or more errors occurred" or a message that named no setting.
    /// </summary>
    [Theory]
    [InlineData("Metrics:Port (--metrics-port)", "run", "--kafka", "127.0.0.1:9", "--redis", "127.0.0.1:9", "--metrics-port", "PORT")]
    [InlineData("Cluster:Port (--port)", "run", "--kafka", "127.0.0.1:9", "--redis", "127.0.0.1:9", "--port", "PORT")]
    [InlineData("--metrics-port", "demo", "--metrics-port", "PORT")]
    [InlineData("--cluster-port", "demo", "--cluster-port", "PORT")]
    [InlineData("--console-port", "demo", "--console-port", "PORT")]
    [InlineData("--port", "console", "--redis", "127.0.0.1:9", "--port", "PORT", "--config", "SETTINGS")]
    public async Task A_port_another_process_listens_on_stops_start_up_with_exit_2_naming_the_setting(string setting, params string[] command)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var settings = TempFile() + ".json";
        await File.WriteAllTextAsync(settings, """
            { "Console": { "DevSignIn": { "Enabled": true, "Users": [ { "Name": "ana", "Token": "dev-token-ana-0123456789", "Brands": [ "acme" ] } ] } } }
            """);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = await SocialCrmProcess.RunAsync(Timeout, [.. command.Select(a => a.Replace("PORT", port, StringComparison.Ordinal).Replace("SETTINGS", settings, StringComparison.Ordinal))]);
            output.WriteLine($"exit {result.ExitCode} in {clock.Elapsed.TotalSeconds:N1} s{Environment.NewLine}{result.Error}");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"{setting} {port} is in use by another process", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(settings);
        }
    }

    [Fact]
    public async Task Generate_to_a_Kafka_that_never_answers_says_nothing_was_delivered_and_exits_1()
    {
        // Nothing listens there: the records stay queued in the client until the flush gives up (30 s). They used to count
        // as neither produced nor failed, and the command exited 0 with "0 mentions produced, 0 failed".
        var result = await SocialCrmProcess.RunAsync(Timeout, "generate", "--kafka", $"127.0.0.1:{FreePort.Next()}", "--count", "5");
        output.WriteLine(result.Error);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("0 mentions produced, 0 failed, 5 not delivered (the broker did not confirm them in time)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_is_told_in_one_line_with_its_causes_and_without_the_task_wrappers()
    {
        var bind = new InvalidOperationException("Failed to bind to [0.0.0.0:2551]. See InnerException for details.",
            new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse));
        Assert.Equal("Failed to bind to [0.0.0.0:2551]: Address already in use",
            Commands.CommandRunner.Describe(new AggregateException(new AggregateException(bind))));
        // Several causes: the aggregate's own message lists each, once.
        Assert.Equal("One or more errors occurred. (a) (b)",
            Commands.CommandRunner.Describe(new AggregateException(new Exception("a"), new Exception("b"))));
    }

    /// <summary>
    /// A number flag that is not a finite number, or a duration too short to mean anything: forget --timeout 0s waited
    /// for ever (librdkafka's message.timeout.ms=0 is no timeout), and bench --latency-duration 0s measured the warm-up's
    /// last records and could report a p99 target met.
    /// </summary>
    [Theory]
    [InlineData("--rate must be a number >= 0", "generate", "--count", "1", "--rate", "NaN")]
    [InlineData("--malformed must be a number within 0..1", "generate", "--count", "1", "--malformed", "NaN")]
    [InlineData("--rate must be a number >= 0", "demo", "--rate", "1e400")]
    [InlineData("--time-lapse must be a number > 0", "demo", "--time-lapse", "Infinity")]
    [InlineData("--zipf must be a number >= 0", "bench", "--zipf", "NaN")]
    [InlineData("--new-authors must be a number within 0..1", "bench", "--new-authors", "-Infinity")]
    [InlineData("--max-false-alarms-per-brand-day must be a number >= 0", "evaluate", "--scenarios", ".", "--max-false-alarms-per-brand-day", "1e400")]
    [InlineData("--timeout: must be at least 1ms; was '0s'", "forget", "--kafka", "127.0.0.1:9", "--brand", "acme", "--customer", "c1", "--timeout", "0s")]
    [InlineData("--timeout: must be at least 1ms; was '0ms'", "topology", "verify", "--kafka", "127.0.0.1:9", "--timeout", "0ms")]
    [InlineData("--latency-duration: must be at least 1s; was '500ms'", "bench", "--latency-duration", "500ms")]
    [InlineData("--duration: must be at least 1s; was '0s'", "demo", "--duration", "0s")]
    public async Task A_number_or_duration_flag_out_of_its_range_is_a_usage_error_naming_it(string expected, params string[] command)
    {
        var result = await SocialCrmProcess.RunAsync(Timeout, command);
        output.WriteLine(result.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    /// <summary>A console --host that names no address of this machine failed at the bind with exit 1 ("An invalid IP address").</summary>
    [Theory]
    [InlineData("console.example")]
    [InlineData("10.255.255.1")]
    public async Task A_console_host_that_is_no_address_of_this_machine_is_a_usage_error(string host)
    {
        var result = await SocialCrmProcess.RunAsync(Timeout, "console", "--redis", "127.0.0.1:9", "--host", host);
        output.WriteLine(result.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--host must be an address of this machine to listen on: an IP address (0.0.0.0 for every interface, 127.0.0.1, ::) or localhost; was '{host}'", result.Error, StringComparison.Ordinal);
    }

    /// <summary>An output file in a directory that does not exist, or a directory, is refused before any work with exit 2.</summary>
    [Theory]
    [InlineData("--output", "topology", "render", "--format", "strimzi", "-o", "OUT")]
    [InlineData("--output", "generate", "--count", "1", "-o", "OUT")]
    [InlineData("--report", "evaluate", "--scenarios", ".", "--report", "OUT")]
    [InlineData("--out", "bench", "--quick", "--out", "OUT")]
    [InlineData("--state-out", "replay", "--state-out", "OUT")]
    public async Task An_output_file_that_cannot_be_written_is_a_usage_error_before_any_work(string flag, params string[] command)
    {
        var missing = Path.Combine(TempFile(), "out.json");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await SocialCrmProcess.RunAsync(Timeout, [.. command.Select(a => a == "OUT" ? missing : a)]);
        output.WriteLine($"exit {result.ExitCode} in {clock.Elapsed.TotalSeconds:N1} s{Environment.NewLine}{result.Error}");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{flag}: no such directory: {Path.GetDirectoryName(missing)}", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);

        var directory = Path.GetTempPath().TrimEnd('/');
        var onDirectory = await SocialCrmProcess.RunAsync(Timeout, [.. command.Select(a => a == "OUT" ? directory : a)]);
        Assert.Equal(2, onDirectory.ExitCode);
        Assert.Contains($"{flag}: {directory} is a directory, not a file", onDirectory.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_flag_is_a_usage_error_suggesting_the_closest_flag()
    {
        var result = await SocialCrmProcess.RunAsync(Timeout, "analyze", "--inptu", "mentions.jsonl");
        output.WriteLine(result.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'--inptu' was not matched", result.Error, StringComparison.Ordinal);
        Assert.Contains("--input", result.Error.Split("'--inptu' was not matched")[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_setting_is_a_usage_error_naming_the_closest_setting_and_leaves_open_sections_alone()
    {
        var settings = TempFile() + ".json";
        await File.WriteAllTextAsync(settings, """
            {
              "Pipeline": { "Paralelism": 64 },
              "Kafka": { "Properties": { "socket.keepalive.enable": "true" } },
              "Rules": { "Competitors": ["Contoso"] },
              "Logging": { "LogLevel": { "Default": "Warning" } },
              "Console": { "Auth": { "Authority": "https://login.example" } }
            }
            """);
        try
        {
            using var process = SocialCrmProcess.Start(
                new Dictionary<string, string> { ["SOCIALCRM__Kafka__BootstrapServer"] = "localhost:9092" },
                "run", "--redis", "localhost:6379", "--config", settings);
            process.Input.Close();
            var result = await process.WaitAsync(Timeout);
            output.WriteLine(result.Error);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("Kafka:BootstrapServer is not a setting", result.Error, StringComparison.Ordinal);
            Assert.Contains("did you mean Kafka:BootstrapServers?", result.Error, StringComparison.Ordinal);
            Assert.Contains("Pipeline:Paralelism is not a setting (env SOCIALCRM__Pipeline__Paralelism); did you mean Pipeline:Parallelism?", result.Error, StringComparison.Ordinal);
            var flagged = result.Error.Split('\n').Where(line => line.Contains("is not a setting", StringComparison.Ordinal)).ToArray();
            Assert.Equal(2, flagged.Length);
        }
        finally
        {
            File.Delete(settings);
        }
    }

    /// <summary>
    /// Ctrl+C while analyze waits for more input: exit 130, the analysis written so far is on standard output. The signal
    /// comes the moment line 2's rejection shows, three times over: the parser's own signal handlers are registered only
    /// once the command first waits, and a signal before that killed the process with its output lost.
    /// </summary>
    [Fact]
    public async Task Ctrl_C_in_analyze_exits_130_after_flushing_the_output_so_far()
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            using var process = SocialCrmProcess.Start("analyze");
            process.InterruptWhenErrorShows("line 2: invalid-json");
            await process.Input.WriteLineAsync("""{"id":"m1","platform":"x","brand":"acme","author":{"id":"a"},"text":"Terrible, I am cancelling","createdAt":"2026-11-23T10:00:00Z"}""");
            await process.Input.WriteLineAsync("not a mention");
            await process.Input.FlushAsync();
            var result = await process.WaitAsync(Timeout);
            output.WriteLine($"attempt {attempt}: exit {result.ExitCode}; {result.Error}");
            Assert.Equal(130, result.ExitCode);
            var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Contains("\"entityId\":\"acme:x:a\"", lines[0], StringComparison.Ordinal);
            Assert.Contains("Interrupted: the output is incomplete.", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Generate_writes_to_standard_output_the_same_mentions_it_writes_to_a_file()
    {
        var file = TempFile();
        try
        {
            var toFile = await SocialCrmProcess.RunAsync(Timeout, "generate", "--output", file, "--count", "500", "--seed", "3");
            var toStdout = await SocialCrmProcess.RunAsync(Timeout, "generate", "--count", "500", "--seed", "3");
            Assert.Equal(0, toFile.ExitCode);
            Assert.Equal(0, toStdout.ExitCode);
            Assert.Equal(500, toStdout.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(await File.ReadAllTextAsync(file), toStdout.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A replay fed slowly (a live pipe) reports its progress once a second in plain lines, then a total.</summary>
    [Fact]
    public async Task Replay_reports_progress_on_standard_error_in_plain_lines_when_redirected()
    {
        var generated = await SocialCrmProcess.RunAsync(Timeout, "generate", "--count", "40");
        var mentions = generated.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var process = SocialCrmProcess.Start("replay");
        foreach (var mention in mentions)
        {
            await process.Input.WriteLineAsync(mention);
            await process.Input.FlushAsync();
            await Task.Delay(75);
        }
        process.Input.Close();
        var result = await process.WaitAsync(Timeout);
        output.WriteLine(result.Error);
        Assert.Equal(0, result.ExitCode);
        var progress = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(progress.Length >= 3, $"expected at least two progress lines and a total, got: {result.Error}");
        Assert.All(progress[..^1], line => Assert.Matches(@"^replay: [\d,]+ lines, [\d,]+ lines/s$", line));
        Assert.Matches(@"^replay: 40 lines in \d+\.\d s \([\d,]+ lines/s\)$", progress[^1]);
        Assert.DoesNotContain('\r', result.Error);
    }
}
