using System.CommandLine;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>Exit codes of DESIGN.md: 0 ok, 1 runtime failure, 2 bad usage or invalid configuration.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;

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
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync(error.Message).ConfigureAwait(false);
            }
            await Console.Error.WriteLineAsync("Run 'socialcrm --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        // SIGTERM and Ctrl+C cancel the command's token; a command then ends by itself. `run` and `demo` bound their own
        // stop (Kafka:DrainTimeout plus a few seconds): the parser's default of 2 s would cut their drain short.
        var ownsItsStop = parsed.CommandResult.Command.Name is "run" or "demo";
        return await parsed.InvokeAsync(new InvocationConfiguration
        {
            ProcessTerminationTimeout = ownsItsStop ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(2),
        }).ConfigureAwait(false);
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
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"socialcrm failed: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    /// <summary>"20s", "500ms", "2m", "1h" or a TimeSpan ("00:00:20").</summary>
    public static TimeSpan ParseDuration(string value)
    {
        var text = value.Trim();
        (string Suffix, Func<double, TimeSpan> Make)[] units =
        [
            ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours),
        ];
        foreach (var (suffix, make) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var amount)
                && amount >= 0)
            {
                return make(amount);
            }
        }
        if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }
        throw new FormatException($"'{value}' is not a duration (examples: 500ms, 20s, 2m, 1h)");
    }

    public static Option<TimeSpan> DurationOption(string name, string description, TimeSpan? defaultValue = null)
    {
        var option = new Option<TimeSpan>(name)
        {
            Description = description,
            CustomParser = result =>
            {
                try
                {
                    return ParseDuration(result.Tokens.Single().Value);
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
}
