using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>0 ok, 1 runtime failure (or rejected input lines), 2 bad usage or invalid configuration, 130 interrupted (Ctrl+C) batch command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    /// <summary>128 + SIGINT, what shells report for a command stopped by Ctrl+C: its output is incomplete.</summary>
    public const int Interrupted = 130;

    /// <summary>0 when a node stopped with everything drained; 1 when work was abandoned or it stopped by itself.</summary>
    public static int Of(NodeExit exit) => exit switch
    {
        NodeExit.Drained => Ok,
        NodeExit.Abandoned => Failure,
        NodeExit.Failed => Failure,
        _ => throw new ArgumentOutOfRangeException(nameof(exit), exit, "not a node exit"),
    };
}

public static class CommandRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // The parser's own error action names each error and, for an unknown token, the commands or options it resembles.
            if (parsed.Action is ParseErrorAction errorAction)
            {
                errorAction.ShowHelp = false;
                errorAction.ShowTypoCorrections = true;
            }
            parsed.Invoke(new InvocationConfiguration { Output = Console.Error, Error = Console.Error });
            await Console.Error.WriteLineAsync($"Run '{string.Join(' ', CommandPath(parsed, root).Prepend("socialcrm"))} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        // SIGTERM and Ctrl+C cancel the command's token; a command then ends by itself. `run` and `demo` bound their own
        // stop (Kafka:DrainTimeout plus a few seconds): the parser's default of 2 s would cut their drain short.
        var ownsItsStop = parsed.CommandResult.Command.Name is "run" or "demo";
        // A batch command stopped by Ctrl+C exits 130 whatever it returned: its output is incomplete.
        var isBatch = CommandPath(parsed, root).FirstOrDefault() is "analyze" or "replay" or "evaluate" or "generate" or "topology";
        var interrupted = 0;
        // Our own handlers are in place before the command starts: the parser registers its handlers only once the command
        // first yields, and a signal before that (a batch command is busy with input already waiting) killed the process
        // with its buffered output lost. Ours cancel the command's token just as the parser's do.
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (isBatch && context.Signal == PosixSignal.SIGINT)
            {
                Interlocked.Exchange(ref interrupted, 1);
            }
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The command ended while the parser's handler, called first, waited for it: nothing is left to stop.
            }
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var exit = await parsed.InvokeAsync(new InvocationConfiguration
        {
            ProcessTerminationTimeout = ownsItsStop ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(2),
        }, stop.Token).ConfigureAwait(false);
        return Volatile.Read(ref interrupted) == 1 ? ExitCodes.Interrupted : exit;
    }

    /// <summary>The names from the root's subcommand down to the parsed command, e.g. ["topology", "verify"].</summary>
    private static List<string> CommandPath(ParseResult parsed, RootCommand root)
    {
        var names = new List<string>();
        for (var command = parsed.CommandResult; command.Command != root; command = (CommandResult)command.Parent!)
        {
            names.Insert(0, command.Command.Name);
        }
        return names;
    }

    /// <summary>Runs a command body, turning configuration errors into exit 2 and any other failure into exit 1.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (ConfigurationException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Kafka.Topology.TopologyException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Redis.Connection.ConnectionSettingException ex)
        {
            // A refused password or certificate: no retry fixes it, the setting must change.
            await Console.Error.WriteLineAsync("Invalid configuration:" + Environment.NewLine + "  " + SecretMask.Apply(ex.Message)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"socialcrm failed: {SecretMask.Apply(Describe(ex))}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// The failure and its causes in one line, outermost first ("Failed to bind to [0.0.0.0:2551]: Address already in
    /// use"): a task's wrappers ("One or more errors occurred", "See InnerException for details") name nothing.
    /// </summary>
    public static string Describe(Exception failure)
    {
        var line = "";
        for (Exception? cause = failure; cause is not null; cause = cause.InnerException)
        {
            if (cause is AggregateException { InnerExceptions.Count: 1 })
            {
                continue;
            }
            var message = cause.Message.Replace("See InnerException for details.", "", StringComparison.Ordinal).Trim().TrimEnd('.');
            if (!line.Contains(message, StringComparison.OrdinalIgnoreCase))
            {
                line = line.Length == 0 ? message : $"{line}: {message}";
            }
            if (cause is AggregateException)
            {
                break; // several causes: its message lists each
            }
        }
        return line;
    }

    /// <summary>
    /// Runs a batch command (analyze, replay, evaluate, generate, topology) whose standard output is buffered: flushed at the end,
    /// and on Ctrl+C, which exits 130 so that a script does not take the cut-off output for a whole one.
    /// </summary>
    public static Task<int> GuardBatch(Func<Stream, Task<int>> body, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var output = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
        try
        {
            var exit = await body(output).ConfigureAwait(false);
            return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : exit;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await Console.Error.WriteLineAsync("Interrupted: the output is incomplete.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    });

    /// <summary>
    /// A rule on a number flag, which NaN and infinities ("NaN", "1e400") break too: no comparison catches them, so
    /// "--rate NaN" passed "must be >= 0" and ran as if no rate were given.
    /// </summary>
    public static void Require(Option<double> option, Func<double, bool> rule, string message) =>
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!double.IsFinite(value) || !rule(value))
            {
                result.AddError(message);
            }
        });

    /// <summary>
    /// An optional output file. A path in a directory that does not exist, or a directory itself, is a usage error (exit 2)
    /// naming it before any work: `evaluate --report` and `bench --out` wrote only at the end, and failed there with exit 1
    /// after minutes of work, `topology render -o` with an unhandled exception.
    /// </summary>
    public static Option<FileInfo?> OutputFileOption(string name, string description, params string[] aliases)
    {
        var option = new Option<FileInfo?>(name, aliases) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo?>() is not { } file)
            {
                return;
            }
            if (Directory.Exists(file.FullName))
            {
                result.AddError($"{name}: {file.FullName} is a directory, not a file");
            }
            else if (file.Directory is { Exists: false } directory)
            {
                result.AddError($"{name}: no such directory: {directory.FullName}");
            }
        });
        return option;
    }

    /// <summary>An optional input file; one that does not exist is a usage error (exit 2) naming it.</summary>
    public static Option<FileInfo?> ExistingFileOption(string name, string description)
    {
        var option = new Option<FileInfo?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo?>() is { Exists: false } missing)
            {
                result.AddError($"{name}: no such file: {missing.FullName}");
            }
        });
        return option;
    }

    /// <param name="atLeast">
    /// The shortest duration that means something, written as the user would (e.g. "1s"); none: zero is allowed. A zero
    /// timeout waited for ever (librdkafka's message.timeout.ms=0), and a zero latency run measured the warm-up's tail.
    /// </param>
    public static Option<TimeSpan> DurationOption(string name, string description, TimeSpan? defaultValue = null, string? atLeast = null)
    {
        var shortest = atLeast is null ? TimeSpan.Zero : Durations.Parse(atLeast);
        var option = new Option<TimeSpan>(name)
        {
            Description = description,
            CustomParser = result =>
            {
                try
                {
                    var value = Durations.Parse(result.Tokens.Single().Value);
                    if (value < shortest)
                    {
                        result.AddError($"{name}: must be at least {atLeast}; was '{result.Tokens.Single().Value}'");
                    }
                    return value;
                }
                catch (FormatException ex)
                {
                    result.AddError($"{name}: {ex.Message}");
                    return TimeSpan.Zero;
                }
            },
        };
        if (defaultValue is { } fallback)
        {
            option.DefaultValueFactory = _ => fallback;
        }
        return option;
    }

    /// <summary><c>--log-format simple|json</c> (Logging:Console:FormatterName).</summary>
    public static Option<string?> LogFormatOption()
    {
        var option = new Option<string?>("--log-format") { Description = "Console log format: simple (one line per entry) or json (Logging:Console:FormatterName)" };
        option.AcceptOnlyFromAmong("simple", "json");
        return option;
    }
}
