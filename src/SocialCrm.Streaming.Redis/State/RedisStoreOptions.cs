using SocialCrm.Streaming.Redis.Connection;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>Bound from configuration section "Redis".</summary>
public sealed class RedisStoreOptions
{
    /// <summary>The longest retention of any key family, the care console's cases included: ten years.</summary>
    public static readonly TimeSpan LongestRetention = TimeSpan.FromDays(3650);

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

    /// <summary>
    /// A customer's hash and timeline expire about this long after their last write, and the risk and advocate rankings
    /// drop a customer whose hash expired. Longer than the mentions topic's retention, so a replay still finds the watermark.
    /// The expiry is renewed at most once per <see cref="ExpiryRenewalInterval"/> (not on every write, which would cost
    /// the server several calls per flush), so the keys expire between this minus that interval and this after the last write.
    /// </summary>
    public TimeSpan CustomerRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often a written customer's expiry is renewed at most: a hundredth of <see cref="CustomerRetention"/>, at most an hour.</summary>
    public TimeSpan ExpiryRenewalInterval() => TimeSpan.FromSeconds(Math.Min(Math.Floor(CustomerRetention.TotalSeconds / 100), 3600));

    /// <summary>The alert and trigger lists of a brand expire this long after their last new entry.</summary>
    public TimeSpan SignalListRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A brand monitor's saved detector state expires this long after its last save.</summary>
    public TimeSpan BrandMonitorRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long an erased customer's marker (watermarks only) is kept, so a replayed old mention is skipped rather than
    /// bringing them back: longer than the mentions topic's retention.
    /// </summary>
    public TimeSpan ErasureMarkerRetention { get; set; } = TimeSpan.FromDays(30);

    public RedisConnectionSettings ConnectionSettings() => new(Configuration, User, Password, Tls);
}
