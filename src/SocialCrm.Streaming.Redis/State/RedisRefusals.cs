using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.Connection;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// Tells a Redis error about one customer's data (the same call fails again: <see cref="StoreRefusedException"/>)
/// from one about the server or the deployment (unreachable, loading, busy, out of memory, not authorised, slots
/// on other nodes), which is retried for as long as it lasts and must never set a customer's records aside.
/// Only what is known to be about the data counts as refused.
/// </summary>
internal static class RedisRefusals
{
    public static async Task<T> RefusedAsStoreErrorAsync<T>(Task<T> call, string what)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsAboutTheData(ex.Message))
        {
            throw Refused(what, ex);
        }
    }

    /// <summary>The error for a call about <paramref name="what"/> that <see cref="IsAboutTheData"/> says the data refused.</summary>
    public static StoreRefusedException Refused(string what, RedisServerException refusal) =>
        new($"Redis refused {what}: {refusal.Message}", refusal);

    /// <summary>Stored data that does not read back as what this store writes.</summary>
    public static StoreRefusedException Unreadable(string what, Exception cause) =>
        new($"stored {what} does not read back: {cause.GetType().Name}", cause);

    /// <summary>
    /// A key of another type, or the flush script failing on what it read (a field that is not a number); never an
    /// error the server gives for its own state. A command inside a script keeps its code (OOM when the server is full,
    /// READONLY on a replica, ...) though the message names the script too; an ACL refusal is the deployment's, whatever its code.
    /// </summary>
    internal static bool IsAboutTheData(string message) =>
        (message.Contains("WRONGTYPE", StringComparison.Ordinal)
            || message.Contains("user_script", StringComparison.Ordinal)
            || message.Contains("Error running script", StringComparison.OrdinalIgnoreCase))
        && !ServerStateCodes.Contains(message[..Math.Max(0, message.IndexOf(' '))])
        && !RedisPermissions.IsAclRefusal(message)
        && !message.Contains("Script killed", StringComparison.OrdinalIgnoreCase);

    /// <summary>Error codes of a server that cannot serve now (full, a replica, loading, busy, down, not allowed).</summary>
    private static readonly HashSet<string> ServerStateCodes =
        ["OOM", "READONLY", "MISCONF", "NOREPLICAS", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "LOADING", "NOAUTH"];
}
