using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Cluster;

/// <summary>
/// What the entities report for monitoring: how many are alive, how often sharding stops them, and
/// the signals each successful write made durable. The host implements it (Prometheus); the
/// cluster layer knows no metrics library. Implementations must be thread-safe and cheap.
/// </summary>
public interface IEntityMetrics
{
    /// <summary>An entity of <paramref name="entityType"/> started (its actor exists).</summary>
    void EntityStarted(string entityType);

    /// <summary>An entity of <paramref name="entityType"/> stopped.</summary>
    void EntityStopped(string entityType);

    /// <summary>Sharding asked an entity to stop: idle passivation or a shard hand-off.</summary>
    void EntityPassivated(string entityType);

    /// <summary>Signals written durably, counted once per successful write (never per retry).</summary>
    void SignalsWritten(IReadOnlyList<OutboundSignal> signals);

    /// <summary>An entity here applied <paramref name="records"/> consumed on another node: its shard is not (yet) where its partition is read.</summary>
    void AppliedForAnotherNode(string entityType, int records);

    /// <summary>An entity gave up after bounded retries (its store refused its data, or something on its path threw) and answered what waited with a failure.</summary>
    void EntityFailed(string entityType);

    /// <summary>A customer or prospect was erased (a tombstone carried out and announced).</summary>
    void Erased();

    /// <summary>An erased entity skipped <paramref name="mentions"/> replayed mentions it had applied before the erasure.</summary>
    void MentionsSkippedAsErased(int mentions);

    /// <summary>An entity passed over <paramref name="mentions"/> mentions delivered again (a platform and id among its last mentions).</summary>
    void MentionsRepeated(int mentions);
}

/// <summary>Reports nothing: the default of tests and tools (a test that watches one report overrides it).</summary>
public class NoEntityMetrics : IEntityMetrics
{
    public static readonly NoEntityMetrics Instance = new();

    public virtual void EntityStarted(string entityType) { }
    public virtual void EntityStopped(string entityType) { }
    public virtual void EntityPassivated(string entityType) { }
    public virtual void SignalsWritten(IReadOnlyList<OutboundSignal> signals) { }
    public virtual void AppliedForAnotherNode(string entityType, int records) { }
    public virtual void EntityFailed(string entityType) { }
    public virtual void Erased() { }
    public virtual void MentionsSkippedAsErased(int mentions) { }
    public virtual void MentionsRepeated(int mentions) { }
}

/// <summary>
/// Lets one log line per key through per period, counting the rest: thousands of entities retrying
/// against a Redis outage log one warning per period, not one each. Shared by a node's entities.
/// </summary>
public sealed class LogThrottle(TimeSpan period)
{
    private readonly Dictionary<string, (DateTime Last, long Suppressed)> _seen = new(StringComparer.Ordinal);

    public bool ShouldLog(string key, out long suppressed)
    {
        var now = DateTime.UtcNow;
        lock (_seen)
        {
            if (_seen.TryGetValue(key, out var entry) && now - entry.Last < period)
            {
                _seen[key] = (entry.Last, entry.Suppressed + 1);
                suppressed = 0;
                return false;
            }
            suppressed = entry.Suppressed;
            _seen[key] = (now, 0);
            return true;
        }
    }
}
