using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>Logs a repeated problem once per key per period, with how often it happened meanwhile.</summary>
public sealed class RateLimitedLog(ILogger logger, TimeSpan period)
{
    private readonly ConcurrentDictionary<string, (long LastTicks, long Suppressed)> _seen = new();

    public void Warning(string key, string message, params object?[] args)
    {
        var now = Stopwatch.GetTimestamp();
        var periodTicks = (long)(period.TotalSeconds * Stopwatch.Frequency);
        var shouldLog = false;
        long suppressed = 0;
        _seen.AddOrUpdate(key,
            _ => { shouldLog = true; return (now, 0); },
            (_, entry) =>
            {
                if (now - entry.LastTicks >= periodTicks)
                {
                    shouldLog = true;
                    suppressed = entry.Suppressed;
                    return (now, 0);
                }
                shouldLog = false;
                return (entry.LastTicks, entry.Suppressed + 1);
            });
        if (shouldLog)
        {
#pragma warning disable CA2254 // The template is the caller's constant; the key only throttles it.
            logger.LogWarning(message + (suppressed > 0 ? $" ({suppressed} more since last logged)" : ""), args);
#pragma warning restore CA2254
        }
    }
}
