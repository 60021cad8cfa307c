using System.CommandLine;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Domain.Snapshots;
using SocialCrm.Streaming.Host.Configuration;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>
/// <c>socialcrm replay</c>: the alerts and triggers the rules would emit for a file of mentions, offline and
/// deterministic (backtesting). A mention's position is (0, its line number), so a file replayed in parts
/// with the state carried over (<c>--state-out</c>, then <c>--state-in</c>) gives the same output as one run.
/// "Now" is the stream's own time: a mention far ahead of it is reported like an invalid line
/// (<see cref="ReplayEventTimeGate{T}"/>); mentions are processed up to <see cref="ReplayEventTimeGate{T}.Lookahead"/> lines late.
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var input = CommandRunner.ExistingFileOption("--input", "A JSON Lines file of mentions (default: standard input)");
        var profiles = CommandRunner.ExistingFileOption("--profiles", "A JSON Lines file of customer profiles ({\"key\":\"brand:customerId\",\"value\":{...}|null}), applied first");
        var stateIn = CommandRunner.ExistingFileOption("--state-in", "Continue from the state a previous replay saved with --state-out");
        var stateOut = CommandRunner.OutputFileOption("--state-out", "Save the state for a continuation; minute buckets stay open for it");
        var settings = CommandRunner.ExistingFileOption("--config", "An appsettings.json whose Rules section to use");
        var rulesVersion = new Option<string?>("--rules-version")
        {
            Description = "Refuse to run unless the rules of --config are this version (the rulesVersion of the alerts to reproduce)",
        };
        var maxSkew = CommandRunner.DurationOption("--max-event-time-skew",
            "How far a mention may lie beyond the time the rest of the stream reached before it is reported as out of range",
            PipelineOptions.DefaultMaxEventTimeSkew);
        var command = new Command("replay", "Backtest the rules: the alerts and triggers a file of mentions would raise")
        {
            input, profiles, stateIn, stateOut, settings, rulesVersion, maxSkew,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.GuardBatch(async output =>
        {
            var rules = RulesConfiguration.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>(), parse.GetValue(settings)?.FullName));
            var version = RulesVersion.Of(rules);
            if (parse.GetValue(rulesVersion) is { } wanted && wanted != version)
            {
                throw new ConfigurationException([$"--rules-version {wanted}: the Rules of {parse.GetValue(settings)?.Name ?? "appsettings.json"} are version {version}"]);
            }
            var engine = new ReplayEngine(rules);
            var gate = new ReplayEventTimeGate<(long Line, Mention Mention)>(parse.GetValue(maxSkew));
            long firstLine = 0;
            if (parse.GetValue(stateIn) is { } saved)
            {
                firstLine = ReplayState.Load(saved, engine, gate.Reached);
            }
            // Opened before the replay, so a place that cannot be written is said at once, not after hours of it.
            await using var pendingState = parse.GetValue(stateOut) is { } target ? ReplayState.Create(target) : null;
            if (parse.GetValue(profiles) is { } profileFile)
            {
                await using var profileStream = profileFile.OpenRead();
                await foreach (var (line, utf8) in JsonLines.ReadAsync(profileStream).WithCancellation(cancellationToken))
                {
                    if (!CustomerProfileJson.TryParseLine(utf8, out var id, out var profile, out var rejection))
                    {
                        throw new ConfigurationException([$"--profiles {profileFile.Name} line {line}: {rejection}"]);
                    }
                    engine.ApplyProfile(id, profile);
                }
            }

            var signals = new List<DomainSignal>();
            var judged = new List<((long Line, Mention Mention) Item, Rejection? Rejection)>();
            var rejected = 0;
            long lastLine = 0;

            async Task ProcessJudgedAsync()
            {
                foreach (var ((line, mention), rejection) in judged)
                {
                    if (rejection is not null)
                    {
                        rejected++;
                        await Console.Error.WriteLineAsync($"line {line}: {rejection}").ConfigureAwait(false);
                        continue;
                    }
                    engine.Process(mention, new SourcePosition(0, firstLine + line), signals);
                    await WriteAsync(output, signals, version, cancellationToken).ConfigureAwait(false);
                }
                judged.Clear();
            }

            await using var stream = JsonLines.Open(parse.GetValue(input));
            await using (new ProgressReport("replay", "lines", () => Volatile.Read(ref lastLine)))
            {
                await foreach (var (line, utf8) in JsonLines.ReadAsync(stream).WithCancellation(cancellationToken))
                {
                    Volatile.Write(ref lastLine, line);
                    var outcome = MentionParser.Parse(utf8);
                    if (outcome.Mention is not { } mention)
                    {
                        rejected++;
                        await Console.Error.WriteLineAsync($"line {line}: {outcome.Rejection}").ConfigureAwait(false);
                        continue;
                    }
                    gate.Add((line, mention), mention.CreatedAt, judged);
                    await ProcessJudgedAsync().ConfigureAwait(false);
                }
            }
            gate.Complete(judged);
            await ProcessJudgedAsync().ConfigureAwait(false);
            if (pendingState is not null)
            {
                pendingState.Save(engine, gate.Reached, firstLine + lastLine);
            }
            else
            {
                engine.Finish(signals);
                await WriteAsync(output, signals, version, cancellationToken).ConfigureAwait(false);
            }
            return rejected == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }, cancellationToken));
        return command;
    }

    private static async Task WriteAsync(Stream output, List<DomainSignal> signals, string rulesVersion, CancellationToken cancellationToken)
    {
        foreach (var signal in signals)
        {
            await output.WriteAsync((signal with { RulesVersion = rulesVersion }).ToJson(), cancellationToken).ConfigureAwait(false);
            output.WriteByte((byte)'\n');
        }
        signals.Clear();
    }

    /// <summary>The carried-over state: the engine's own, the stream's time and the number of lines already replayed.</summary>
    private static class ReplayState
    {
        public static long Load(FileInfo file, ReplayEngine engine, RobustWatermark streamTime)
        {
            var notAState = $"--state-in {file.Name} is not a state saved by 'socialcrm replay --state-out'";
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(file.FullName));
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("linesReplayed", out var lines) || !root.TryGetProperty("engine", out var state))
                {
                    throw new ConfigurationException([notAState]);
                }
                engine.ImportState(System.Text.Encoding.UTF8.GetBytes(state.GetRawText()));
                if (root.TryGetProperty("streamTime", out var time))
                {
                    streamTime.Restore([.. time.GetProperty("recent").EnumerateArray().Select(t => t.GetInt64())], time.GetProperty("watermark").GetInt64());
                }
                return lines.GetInt64();
            }
            catch (Exception ex) when (SavedState.IsFlaw(ex))
            {
                // Not JSON, or JSON of another shape: the same answer, with what the reader found.
                throw new ConfigurationException([$"{notAState} ({ex.Message})"]);
            }
        }

        /// <summary>A state to be written beside <paramref name="file"/>; it replaces the file only once complete.</summary>
        public static PendingState Create(FileInfo file)
        {
            var partial = file.FullName + ".partial";
            try
            {
                return new PendingState(new FileStream(partial, FileMode.Create, FileAccess.Write), partial, file.FullName);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException([$"--state-out {file.FullName}: cannot be written ({ex.Message})"]);
            }
        }
    }

    /// <summary>
    /// The continuation being written: to a file of its own until complete, so a replay that fails or is interrupted
    /// leaves the previous state (which may be the --state-in it continued from) as it was.
    /// </summary>
    private sealed class PendingState(FileStream stream, string partialPath, string finalPath) : IAsyncDisposable
    {
        private bool _saved;

        public void Save(ReplayEngine engine, RobustWatermark streamTime, long linesReplayed)
        {
            using (var writer = new Utf8JsonWriter(stream))
            {
                Write(writer, engine, streamTime, linesReplayed);
            }
            stream.Dispose();
            File.Move(partialPath, finalPath, overwrite: true);
            _saved = true;
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (!_saved)
            {
                File.Delete(partialPath);
            }
        }

        private static void Write(Utf8JsonWriter writer, ReplayEngine engine, RobustWatermark streamTime, long linesReplayed)
        {
            writer.WriteStartObject();
            writer.WriteNumber("linesReplayed", linesReplayed);
            writer.WriteStartObject("streamTime");
            writer.WriteNumber("watermark", streamTime.Current);
            writer.WriteStartArray("recent");
            foreach (var ticks in streamTime.Recent)
            {
                writer.WriteNumberValue(ticks);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WritePropertyName("engine");
            writer.WriteRawValue(engine.ExportState());
            writer.WriteEndObject();
        }
    }
}
