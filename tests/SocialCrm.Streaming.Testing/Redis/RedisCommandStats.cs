using System.Globalization;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Testing;

/// <summary>What a Redis-protocol server reports of the commands it served (<c>INFO commandstats</c>) and of its CPU (<c>INFO cpu</c>).</summary>
public static class RedisCommandStats
{
    /// <summary>Calls served per command (lower case, e.g. "evalsha", "expire"), commands run by scripts included; null where the server does not report them.</summary>
    public static async Task<IReadOnlyDictionary<string, long>?> CallsAsync(IServer server) =>
        await ReadAsync(server, "calls=").ConfigureAwait(false);

    /// <summary>Microseconds spent per command (a script's include the commands it ran); null where the server does not report them.</summary>
    public static async Task<IReadOnlyDictionary<string, long>?> MicrosecondsAsync(IServer server) =>
        await ReadAsync(server, "usec=").ConfigureAwait(false);

    /// <summary>The count (calls or microseconds) from <paramref name="before"/> to <paramref name="after"/> of <paramref name="command"/> (0 when never served).</summary>
    public static long Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after, string command) =>
        after.GetValueOrDefault(command) - before.GetValueOrDefault(command);

    private static async Task<Dictionary<string, long>?> ReadAsync(IServer server, string counter)
    {
        Dictionary<string, long>? counts = null;
        foreach (var group in await InfoAsync(server, "commandstats").ConfigureAwait(false))
        {
            foreach (var (key, value) in group)
            {
                if (!key.StartsWith("cmdstat_", StringComparison.Ordinal))
                {
                    continue;
                }
                counts ??= new Dictionary<string, long>(StringComparer.Ordinal);
                var field = value.Split(',').First(part => part.StartsWith(counter, StringComparison.Ordinal));
                counts[key["cmdstat_".Length..]] = long.Parse(field[counter.Length..], CultureInfo.InvariantCulture);
            }
        }
        return counts;
    }

    /// <summary>The server's CPU time so far, system plus user (<c>used_cpu_sys</c> + <c>used_cpu_user</c>); null where it does not report it.</summary>
    public static async Task<TimeSpan?> CpuAsync(IServer server)
    {
        double? seconds = null;
        foreach (var group in await InfoAsync(server, "cpu").ConfigureAwait(false))
        {
            foreach (var (key, value) in group)
            {
                if (key is "used_cpu_sys" or "used_cpu_user")
                {
                    seconds = (seconds ?? 0) + double.Parse(value, CultureInfo.InvariantCulture);
                }
            }
        }
        return seconds is { } s ? TimeSpan.FromSeconds(s) : null;
    }

    /// <summary>An INFO section; none where the server refuses it (Garnet has no "cpu" section).</summary>
    private static async Task<IGrouping<string, KeyValuePair<string, string>>[]> InfoAsync(IServer server, string section)
    {
        try
        {
            return await server.InfoAsync(section).ConfigureAwait(false);
        }
        catch (RedisServerException)
        {
            return [];
        }
    }
}
