namespace SocialCrm.Streaming.Redis.State;

/// <summary>Bound from configuration section "Redis".</summary>
public sealed class RedisStoreOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis-0:6379,password=...</c>.</summary>
    public string Configuration { get; set; } = "";
    public string KeyPrefix { get; set; } = "scrm";
    /// <summary>Length of the newest-first alert and trigger lists per brand.</summary>
    public int ListCapacity { get; set; } = 1_000;
    /// <summary>Length of a customer's timeline of newest mentions (0: none kept).</summary>
    public int TimelineCapacity { get; set; } = 20;
    public TimeSpan VolumeRetention { get; set; } = TimeSpan.FromHours(48);
    /// <summary>How long a signal id is remembered to keep its writes idempotent.</summary>
    public TimeSpan SignalIdRetention { get; set; } = TimeSpan.FromDays(7);
}
