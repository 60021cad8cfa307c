using SocialCrm.Streaming.Redis.Connection;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>Bound from configuration section "Redis".</summary>
public sealed class RedisStoreOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis-0:6379,password=...</c>.</summary>
    public string Configuration { get; set; } = "";
    /// <summary>ACL user (<c>Redis:User</c>); over <c>user=</c> of the configuration string.</summary>
    public string User { get; set; } = "";
    /// <summary>The ACL user's password (<c>Redis:Password</c>, from a Secret); over <c>password=</c> of the configuration string.</summary>
    public string Password { get; set; } = "";
    public RedisTlsOptions Tls { get; set; } = new();
    public string KeyPrefix { get; set; } = "scrm";
    /// <summary>Length of the newest-first alert and trigger lists per brand.</summary>
    public int ListCapacity { get; set; } = 1_000;
    /// <summary>Length of a customer's timeline of newest mentions (0: none kept).</summary>
    public int TimelineCapacity { get; set; } = 20;
    public TimeSpan VolumeRetention { get; set; } = TimeSpan.FromHours(48);
    /// <summary>How long a signal id is remembered to keep its writes idempotent.</summary>
    public TimeSpan SignalIdRetention { get; set; } = TimeSpan.FromDays(7);

    public RedisConnectionSettings ConnectionSettings() => new(Configuration, User, Password, Tls);
}
