namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>
/// The console's own Redis keys (topology/redis-keys.md, "Care console"). The brand is a hash tag
/// (<c>scrm:{acme}:case:...</c>), so every key one case change writes sits in one Redis Cluster slot.
/// </summary>
public sealed class CaseKeys(string prefix)
{
    private readonly Redis.State.RedisKeys _keys = new(prefix);

    /// <summary>Hash: <c>version</c> and <c>last</c> (the JSON of the case's latest event).</summary>
    public string Case(string brand, string signalId) => _keys.Case(brand, signalId);

    /// <summary>List: every event of the case, oldest first.</summary>
    public string Audit(string brand, string signalId) => _keys.CaseAudit(brand, signalId);

    /// <summary>Sorted set: the brand's cases, scored by the time of their latest change (Unix ms).</summary>
    public string Index(string brand) => _keys.Cases(brand);

    /// <summary>List: the brand's case events not yet sent to the case events topic, oldest first (only with a Kafka bootstrap).</summary>
    public string Outbox(string brand) => $"{prefix}:{{{brand}}}:cases:outbox";

    /// <summary>String: the console replica relaying the brand's <see cref="Outbox"/> now, with an expiry (a lease).</summary>
    public string OutboxRelay(string brand) => $"{prefix}:{{{brand}}}:cases:relay";

    /// <summary>A SCAN pattern matching every brand's <see cref="Outbox"/> key (braces are not special in a pattern).</summary>
    public string OutboxPattern => $"{prefix}:{{*}}:cases:outbox";

    /// <summary>The brand of an <see cref="Outbox"/> key; null for another key.</summary>
    public string? BrandOfOutbox(string key)
    {
        var start = prefix.Length + 2;
        var end = key.Length - "}:cases:outbox".Length;
        return key.StartsWith(prefix + ":{", StringComparison.Ordinal) && key.EndsWith("}:cases:outbox", StringComparison.Ordinal) && end > start
            ? key[start..end]
            : null;
    }

    /// <summary>Pub/sub channel: every case event of the brand as it happens.</summary>
    public string LiveChannel(string brand) => $"{prefix}:{{{brand}}}:cases:live";
}
