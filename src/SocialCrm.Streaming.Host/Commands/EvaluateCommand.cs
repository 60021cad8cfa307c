using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Evaluation;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>
/// <c>socialcrm evaluate</c>: replays labelled scenario files (topology/schemas/scenario.schema.json: a header line with
/// the expected incidents, then mentions) through the rules, as <c>replay</c> does, and reports per detector the
/// precision, recall, false alarms per brand-day and detection delay. Exits 1 when a budget is broken (false alarms per
/// brand-day of any scored detector above --max-false-alarms-per-brand-day, or an incident missed or found later than
/// its own maximum delay, else --max-delay), 2 on usage errors (a malformed scenario included).
/// <c>--generate-scenarios DIR --corpus FILE</c> writes the shipped scenarios instead (<see cref="ScenarioGenerator"/>).
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var scenarios = new Option<FileSystemInfo?>("--scenarios") { Description = "A scenario file (.jsonl) or a directory of them" };
        var settings = CommandRunner.ExistingFileOption("--config", "An appsettings.json whose Rules section to use");
        var maxFalse = new Option<double>("--max-false-alarms-per-brand-day")
        {
            Description = "Budget: false alarms per brand per day allowed for each scored detector (default: 1 per 30 days)",
            DefaultValueFactory = _ => 1.0 / 30,
        };
        var maxDelay = CommandRunner.DurationOption("--max-delay", "Budget: the latest an incident may be detected after its start, unless it states its own", TimeSpan.FromMinutes(2));
        var report = CommandRunner.OutputFileOption("--report", "Also write the figures as JSON to this file");
        var generate = new Option<DirectoryInfo?>("--generate-scenarios") { Description = "Write the shipped scenarios into this directory (needs --corpus) instead of evaluating" };
        var corpus = CommandRunner.ExistingFileOption("--corpus", "Labelled sentences, \"sentence TAB 0|1\" a line, that scenario texts are drawn from");
        var seeds = new Option<int[]>("--seeds") { Description = "Seeds of the generated scenarios", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
        var command = new Command("evaluate", "Measure the detectors on labelled scenarios: precision, recall, false alarms per brand-day, detection delay")
        {
            scenarios, settings, maxFalse, maxDelay, report, generate, corpus, seeds,
        };
        CommandRunner.Require(maxFalse, value => value >= 0, "--max-false-alarms-per-brand-day must be a number >= 0");
        scenarios.Validators.Add(r => { if (r.GetValueOrDefault<FileSystemInfo?>() is { Exists: false } missing) r.AddError($"--scenarios: no such file or directory: {missing.FullName}"); });
        command.Validators.Add(r =>
        {
            var generating = r.GetResult(generate) is not null;
            if (generating == (r.GetResult(scenarios) is not null)) r.AddError("give one of --scenarios and --generate-scenarios");
            if (generating && r.GetResult(corpus) is null) r.AddError("--generate-scenarios needs --corpus");
        });
        command.SetAction((parse, cancellationToken) => CommandRunner.GuardBatch(async output =>
        {
            if (parse.GetValue(generate) is { } directory)
            {
                var generator = Corpus(parse.GetValue(corpus)!);
                foreach (var file in generator.WriteAll(directory.FullName, parse.GetValue(seeds)!))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await Console.Error.WriteLineAsync($"wrote {file}").ConfigureAwait(false);
                }
                return ExitCodes.Ok;
            }
            var rules = RulesConfiguration.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>(), parse.GetValue(settings)?.FullName));
            var score = new DetectorScore(parse.GetValue(maxDelay));
            foreach (var file in Files(parse.GetValue(scenarios)!))
            {
                await EvaluateAsync(file, rules, score, cancellationToken).ConfigureAwait(false);
            }
            var broken = EvaluationReport.BrokenBudgets(score, parse.GetValue(maxFalse));
            var text = EvaluationReport.Text(score, broken);
            await output.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(report) is { } reportFile)
            {
                await File.WriteAllBytesAsync(reportFile.FullName, EvaluationReport.Json(score, broken), cancellationToken).ConfigureAwait(false);
            }
            return broken.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }, cancellationToken));
        return command;
    }

    private static ScenarioGenerator Corpus(FileInfo file)
    {
        try
        {
            return new ScenarioGenerator(File.ReadLines(file.FullName));
        }
        catch (FormatException ex)
        {
            throw new ConfigurationException([$"--corpus {file.Name}: {ex.Message}"]);
        }
    }

    private static IEnumerable<FileInfo> Files(FileSystemInfo path) => path switch
    {
        DirectoryInfo directory => directory.EnumerateFiles("*.jsonl").OrderBy(f => f.Name, StringComparer.Ordinal) is var files && files.Any()
            ? files
            : throw new ConfigurationException([$"--scenarios {directory.FullName}: no *.jsonl scenario files"]),
        _ => [new FileInfo(path.FullName)],
    };

    /// <summary>One scenario through a fresh engine, in file order (position = line), its brand buckets closed at the end.</summary>
    private static async Task EvaluateAsync(FileInfo file, RulesOptions rules, DetectorScore score, CancellationToken cancellationToken)
    {
        var engine = new ReplayEngine(rules);
        var signals = new List<DomainSignal>();
        ScenarioHeader? header = null;
        long mentions = 0;
        await using var stream = file.OpenRead();
        await foreach (var (line, utf8) in JsonLines.ReadAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            if (header is null)
            {
                try
                {
                    header = ScenarioHeader.Parse(utf8);
                }
                catch (FormatException ex)
                {
                    throw new ConfigurationException([$"{file.Name} line {line}: {ex.Message}"]);
                }
                header.ApplyProfiles(engine);
                continue;
            }
            var outcome = MentionParser.Parse(utf8);
            if (outcome.Mention is not { } mention)
            {
                throw new ConfigurationException([$"{file.Name} line {line}: {outcome.Rejection}"]);
            }
            engine.Process(mention, new SourcePosition(0, line), signals);
            mentions++;
        }
        if (header is null)
        {
            throw new ConfigurationException([$"{file.Name}: empty, no scenario header"]);
        }
        engine.Finish(signals);
        score.Add(header, signals, mentions);
    }
}
