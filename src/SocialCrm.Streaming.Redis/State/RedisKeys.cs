using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using SocialCrm.Streaming.Domain.Mentions;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// The Redis key contract (topology/redis-keys.md), in one place. The brand is a Redis Cluster hash tag, in literal
/// braces (<c>scrm:{acme}:customer:c1</c>): every key of one brand hashes to the same slot, so a flush's script names
/// keys of one slot on a cluster too. Only <see cref="Brands"/> and <see cref="PartitionEpochs"/> are global, each always touched alone.
/// </summary>
public sealed class RedisKeys
{
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, BrandKeys> _brands = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BrandKeys>.AlternateLookup<ReadOnlySpan<char>> _brandsBySpan;

    /// <summary>What a key prefix must be, as a setting's error says it (null: the prefix is one).</summary>
    public const string PrefixRule = "must be a non-empty word without spaces or braces (the brand in braces is the keys' hash tag)";

    /// <summary>
    /// Whether <paramref name="prefix"/> can start every key: a brace would make the prefix the Redis Cluster hash tag
    /// instead of the brand, and scatter a flush over slots.
    /// </summary>
    public static bool IsValidPrefix(string? prefix) => !string.IsNullOrWhiteSpace(prefix) && prefix.IndexOfAny([' ', '{', '}']) < 0;

    public RedisKeys(string prefix)
    {
        _prefix = prefix;
        _brandsBySpan = _brands.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Customer(EntityId id) => $"{_prefix}:{{{id.BrandSpan}}}:customer:{id.LocalIdSpan}";
    /// <summary>The customer's newest mentions (list), outside the <c>customer:*</c> key space so it never looks like a customer hash.</summary>
    public string Timeline(EntityId id) => $"{_prefix}:{{{id.BrandSpan}}}:timeline:{id.LocalIdSpan}";

    /// <summary>What every <see cref="Customer"/> key of the brand starts with.</summary>
    internal string CustomerPrefix(string brand) => $"{_prefix}:{{{brand}}}:customer:";

    /// <summary>What every <see cref="Timeline"/> key of the brand starts with.</summary>
    internal string TimelinePrefix(string brand) => $"{_prefix}:{{{brand}}}:timeline:";
    public string Alerts(string brand) => $"{_prefix}:{{{brand}}}:alerts";
    public string BrandMonitor(string brand) => $"{_prefix}:{{{brand}}}:monitor";
    public string Triggers(string brand) => $"{_prefix}:{{{brand}}}:triggers";
    public string LiveChannel(string brand) => $"{_prefix}:{{{brand}}}:alerts:live";
    public string Risk(string brand) => $"{_prefix}:{{{brand}}}:risk";
    public string Advocates(string brand) => $"{_prefix}:{{{brand}}}:advocates";
    public string Volume(string brand, string minute) => $"{_prefix}:{{{brand}}}:volume:{minute}";
    /// <summary>When each ranked entity's expiry was last renewed (sorted set, Unix seconds): the rankings drop whose hash expired.</summary>
    public string RankedLastSeen(string brand) => $"{_prefix}:{{{brand}}}:ranked:seen";

    /// <summary>
    /// What stays of an erased customer or prospect (hash: watermarks and tombstone positions). Named by a hash of the
    /// entity id, so no key left behind names the person, yet the entity finds its marker when it starts again.
    /// </summary>
    public string ErasureMarker(EntityId id)
    {
        Span<byte> hash = stackalloc byte[32];
        // Made at each start of an entity: the id's bytes go through the stack unless the id is unusually long.
        var length = Encoding.UTF8.GetMaxByteCount(id.Value.Length);
        Span<byte> utf8 = length <= 512 ? stackalloc byte[length] : new byte[length];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(id.Value, utf8)], hash);
        Span<char> hex = stackalloc char[32];
        Convert.TryToHexStringLower(hash[..16], hex, out _);
        return $"{_prefix}:{{{id.BrandSpan}}}:erased:{hex}";
    }

    /// <summary>A care console case (hash: <c>version</c>, <c>last</c>); the brand is a Redis Cluster hash tag.</summary>
    public string Case(string brand, string signalId) => $"{_prefix}:{{{brand}}}:case:{signalId}";

    /// <summary>A case's audit trail (list, oldest first).</summary>
    public string CaseAudit(string brand, string signalId) => $"{_prefix}:{{{brand}}}:case:{signalId}:audit";

    /// <summary>The brand's cases (sorted set by the time of their latest change, Unix ms).</summary>
    public string Cases(string brand) => $"{_prefix}:{{{brand}}}:cases";

    /// <summary>The epoch of each Kafka partition's latest owner (hash: partition -> epoch); touched alone, like <see cref="Brands"/>.</summary>
    public string PartitionEpochs => $"{_prefix}:epochs";

    /// <summary>The epoch of the latest owner of a partition that wrote to the brand: older owners' writes are refused.</summary>
    public string Fence(string brand, int partition) => $"{_prefix}:{{{brand}}}:fence:{partition}";

    /// <summary>The brands taken on (a set), bounded by <c>Tenants:MaxBrands</c>.</summary>
    public string Brands => $"{_prefix}:brands";
    /// <summary>Remembers that a signal was written, so a replayed signal is not listed twice.</summary>
    public string SignalSeen(string brand, string signalId) => $"{_prefix}:{{{brand}}}:signal:{signalId}";

    /// <summary>The keys of a brand that every flush names, made once per brand.</summary>
    internal BrandKeys ForBrand(ReadOnlySpan<char> brand) =>
        _brandsBySpan.TryGetValue(brand, out var keys) ? keys : _brands.GetOrAdd(brand.ToString(), b => new BrandKeys(this, b));
}

/// <summary>One brand's keys from <see cref="RedisKeys"/>, kept.</summary>
internal sealed class BrandKeys(RedisKeys keys, string brand)
{
    /// <summary>What a customer's hash and timeline keys start with (<see cref="RedisKeys.Customer"/>, <see cref="RedisKeys.Timeline"/>), as bytes.</summary>
    private readonly byte[] _customerPrefix = Encoding.UTF8.GetBytes(keys.CustomerPrefix(brand));
    private readonly byte[] _timelinePrefix = Encoding.UTF8.GetBytes(keys.TimelinePrefix(brand));

    /// <summary>The volume key last made: a brand's writes mostly count into the current minute.</summary>
    private MinuteKey _lastVolume = new("", "");

    public string Brand => brand;
    public string Alerts { get; } = keys.Alerts(brand);
    public string Triggers { get; } = keys.Triggers(brand);
    public string LiveChannel { get; } = keys.LiveChannel(brand);
    public string Risk { get; } = keys.Risk(brand);
    public string Advocates { get; } = keys.Advocates(brand);
    public string RankedLastSeen { get; } = keys.RankedLastSeen(brand);

    public string SignalSeen(string signalId) => keys.SignalSeen(brand, signalId);

    /// <summary>
    /// A customer's hash and timeline keys, the same as <see cref="RedisKeys.Customer"/> and <see cref="RedisKeys.Timeline"/>:
    /// the brand's prefixes are kept as bytes, so a flush makes one short string (the customer's own id), not two keys.
    /// </summary>
    public (RedisKey Customer, RedisKey Timeline) CustomerKeys(EntityId id)
    {
        RedisKey local = id.LocalIdSpan.ToString();
        return (local.Prepend(_customerPrefix), local.Prepend(_timelinePrefix));
    }

    public string Fence(int partition) => keys.Fence(brand, partition);

    public string Volume(string minute)
    {
        var last = Volatile.Read(ref _lastVolume);
        if (last.Minute == minute)
        {
            return last.Key;
        }
        var key = keys.Volume(brand, minute);
        Volatile.Write(ref _lastVolume, new MinuteKey(minute, key));
        return key;
    }

    private sealed record MinuteKey(string Minute, string Key);
}
