using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole;

/// <summary>
/// What another hand left where the console reads — a key of another type, a value it never writes — is passed over,
/// so that one such key never makes a whole queue or view answer 500, and is named in the log once. The processor's
/// next write replaces its own keys; a case change replaces the case's.
/// </summary>
public sealed partial class ForeignData(ILogger<ForeignData> log)
{
    /// <summary>How many places are remembered as named: past it, none is named again (the log stays bounded).</summary>
    private const int MostNamed = 10_000;

    private readonly ConcurrentDictionary<string, byte> _named = new(StringComparer.Ordinal);

    /// <summary>Whether the server refused a command for the key's type (Redis and Garnet start the error so).</summary>
    private static bool IsWrongType(RedisServerException error) => error.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal);

    /// <summary>The read's answer, or <paramref name="passedOver"/> when the key holds another type.</summary>
    /// <param name="where">The key, or where it is when its name would name a customer (logs never do).</param>
    public async Task<T> ReadAsync<T>(Task<T> read, string where, T passedOver)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (RedisServerException error) when (IsWrongType(error))
        {
            Name(where, "a key of another type");
            return passedOver;
        }
    }

    public void Name(string where, string what)
    {
        if (_named.Count < MostNamed && _named.TryAdd($"{where} {what}", 0))
        {
            LogPassedOver(log, where, what);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis {Where} holds {What}, which the console never finds there: passed over (topology/redis-keys.md)")]
    private static partial void LogPassedOver(ILogger logger, string where, string what);
}
