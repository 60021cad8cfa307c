using System.CommandLine;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Host.Configuration;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary><c>socialcrm analyze</c>: one JSON line per mention with its sentiment, intents (with evidence spans) and language.</summary>
public static class AnalyzeCommand
{
    public static Command Create()
    {
        var input = CommandRunner.ExistingFileOption("--input", "A JSON Lines file of mentions (default: standard input)");
        var settings = CommandRunner.ExistingFileOption("--config", "An appsettings.json whose Rules section to use (competitor names per brand)");
        var command = new Command("analyze", "Analyze mentions: sentiment, intents with evidence spans, language") { input, settings };
        command.SetAction((parse, cancellationToken) => CommandRunner.GuardBatch(async output =>
        {
            var rules = RulesConfiguration.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>(), parse.GetValue(settings)?.FullName));
            var engine = new EngagementEngine(rules);
            var rejected = 0;
            await using var stream = JsonLines.Open(parse.GetValue(input));
            await foreach (var (line, utf8) in JsonLines.ReadAsync(stream).WithCancellation(cancellationToken))
            {
                var outcome = MentionParser.Parse(utf8);
                if (outcome.Mention is not { } mention)
                {
                    rejected++;
                    await Console.Error.WriteLineAsync($"line {line}: {outcome.Rejection}").ConfigureAwait(false);
                    continue;
                }
                await output.WriteAsync(AnalysisJson.Serialize(mention, engine.Analyze(mention)), cancellationToken).ConfigureAwait(false);
                output.WriteByte((byte)'\n');
            }
            return rejected == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }, cancellationToken));
        return command;
    }
}
