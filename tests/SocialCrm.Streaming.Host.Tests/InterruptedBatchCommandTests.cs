using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Ctrl+C (SIGINT to the real process) in the batch commands that run long: each exits 130 within seconds, so a
/// script never takes their cut-off output for a whole one. Progress goes to standard error as plain lines when it is
/// redirected, as here.
/// </summary>
public sealed class InterruptedBatchCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    /// <summary>Well within what a stop may take: the producer's stop grace (2 s) and the parser's termination timeout (2 s).</summary>
    private static readonly TimeSpan PromptExit = TimeSpan.FromSeconds(20);

    private async Task<(int ExitCode, string Output, string Error)> InterruptAfter(SocialCrmProcess process, string errorText)
    {
        await process.WaitForErrorAsync(errorText, Timeout);
        process.Interrupt();
        var result = await process.WaitAsync(PromptExit);
        output.WriteLine(result.Error);
        return result;
    }

    [Fact]
    public async Task Ctrl_C_in_replay_exits_130()
    {
        using var process = SocialCrmProcess.Start("replay");
        await process.Input.WriteLineAsync("not a mention");
        await process.Input.FlushAsync();
        var result = await InterruptAfter(process, "line 1: invalid-json");
        Assert.Equal(130, result.ExitCode);
        Assert.Contains("Interrupted: the output is incomplete.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_in_generate_to_standard_output_exits_130_after_plain_progress_lines()
    {
        using var process = SocialCrmProcess.Start("generate", "--seed", "5");
        process.Input.Close();
        // No --count: it would write for ever. Its progress line, a plain line since standard error is redirected.
        var result = await InterruptAfter(process, " mentions/s");
        Assert.Equal(130, result.ExitCode);
        Assert.Matches(@"(?m)^generate: [\d,]+ mentions, [\d,]+ mentions/s$", result.Error);
        Assert.DoesNotContain('\r', result.Error);
        Assert.StartsWith("{", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_in_generate_to_a_Kafka_that_is_down_exits_130()
    {
        // Nothing listens there: records pile up in the client's queue until it is full, and nothing is ever delivered.
        using var process = SocialCrmProcess.Start("generate", "--kafka", $"127.0.0.1:{FreePort.Next()}", "--rate", "0");
        process.Input.Close();
        var result = await InterruptAfter(process, "generate: 0 mentions");
        Assert.Equal(130, result.ExitCode);
    }

    [Theory]
    [InlineData("verify")]
    [InlineData("apply")]
    public async Task Ctrl_C_in_topology_waiting_for_a_Kafka_that_is_down_exits_130_long_before_its_timeout(string subcommand)
    {
        // Nothing listens there: the admin client's metadata request would block for the whole --timeout.
        using var process = SocialCrmProcess.Start("topology", subcommand, "--kafka", $"127.0.0.1:{FreePort.Next()}", "--timeout", "60s");
        process.Input.Close();
        await process.WaitForErrorAsync("for its topics", Timeout);
        await Task.Delay(TimeSpan.FromSeconds(2));
        process.Interrupt();
        var result = await process.WaitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine(result.Error);
        Assert.Equal(130, result.ExitCode);
        Assert.Contains($"topology {subcommand}: interrupted", result.Error, StringComparison.Ordinal);
    }
}
