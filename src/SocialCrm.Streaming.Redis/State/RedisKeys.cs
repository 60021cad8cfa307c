using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>The Redis key contract of DESIGN.md (topology/redis-keys.md), in one place.</summary>
public sealed class RedisKeys(string prefix)
{
    public string Customer(EntityId id) => $"{prefix}:{id.Brand}:customer:{id.LocalId}";
    public string Alerts(string brand) => $"{prefix}:{brand}:alerts";
    public string BrandMonitor(string brand) => $"{prefix}:{brand}:monitor";
    public string Triggers(string brand) => $"{prefix}:{brand}:triggers";
    public string LiveChannel(string brand) => $"{prefix}:{brand}:alerts:live";
    public string Risk(string brand) => $"{prefix}:{brand}:risk";
    public string Advocates(string brand) => $"{prefix}:{brand}:advocates";
    public string Volume(string brand, string minute) => $"{prefix}:{brand}:volume:{minute}";
    /// <summary>Remembers that a signal was written, so a replayed signal is not listed twice.</summary>
    public string SignalSeen(string brand, string signalId) => $"{prefix}:{brand}:signal:{signalId}";
}
