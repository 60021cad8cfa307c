using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>Logs a repeated problem once per key per period, with how often it happened meanwhile (the entities' <see cref="LogThrottle"/>).</summary>
/// <param name="entityIds">What an entity id is logged as (its pseudonym: topology/privacy.md).</param>
public sealed class RateLimitedLog(ILogger logger, TimeSpan period, Redactor entityIds)
{
    private readonly LogThrottle _throttle = new(period);

    /// <summary>The logger itself, for what is not rate-limited (Debug details).</summary>
    public ILogger Logger => logger;

    /// <summary>Turns an entity id into what logs may show.</summary>
    public Redactor EntityIds => entityIds;

    public void Warning(string key, string message, params object?[] args)
    {
        if (_throttle.ShouldLog(key, out var suppressed))
        {
#pragma warning disable CA2254 // The template is the caller's constant; the key only throttles it.
            logger.LogWarning(message + (suppressed > 0 ? $" ({suppressed} more since last logged)" : ""), args);
#pragma warning restore CA2254
        }
    }
}
