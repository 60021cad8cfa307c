using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Progress in a terminal (standard error not redirected): a Spectre.Console display with a bar and, when the command
/// knows its total, a percentage; the plain lines of a redirected standard error are <see cref="InterruptedBatchCommandTests"/>'.
/// Runs the real process under util-linux <c>script</c>, which gives it a pseudo-terminal.
/// </summary>
public sealed class TerminalProgressTests(ITestOutputHelper output)
{
    /// <summary>Spectre's bar is drawn with this character (U+2501).</summary>
    private const char BarCharacter = '\u2501';

    [TerminalFact]
    public async Task Generate_with_a_count_shows_a_bar_and_a_percentage_in_a_terminal()
    {
        using var kafka = MockKafkaFixture.WithBrokers(1);
        var topic = kafka.CreateUniqueTopic("progress", 1);
        // 3,000 at 1,000 a second: about 3 s, so the display (from the first second on) has time to show.
        using var process = SocialCrmProcess.StartInTerminal(
            "generate", "--kafka", kafka.BootstrapServers, "--topic", topic, "--count", "3000", "--rate", "1000");
        process.Input.Close();
        var result = await process.WaitAsync(TimeSpan.FromMinutes(1));
        output.WriteLine(result.Output);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(BarCharacter, result.Output);
        Assert.Contains("\u001b[", result.Output, StringComparison.Ordinal);
        Assert.Contains("100%", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"generate: 3,000 mentions in [\d.]+ s", result.Output);
    }
}

/// <summary>A fact that needs util-linux <c>script</c> for a pseudo-terminal: skipped, with the reason shown, where it is missing.</summary>
public sealed class TerminalFactAttribute : FactAttribute
{
    public TerminalFactAttribute()
    {
        if (!SocialCrmProcess.CanStartInTerminal)
        {
            Skip = "util-linux script is not installed (Debian: bsdutils): the terminal progress display is not checked";
        }
    }
}
