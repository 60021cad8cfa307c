using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Snapshots;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// Customer state in Redis. Flushes are written in groups (<see cref="CustomerWriteGroups"/>): one script call per
/// brand carries many customers' flushes, and each flush's snapshot, leaderboards, volume counts and signals land
/// together or not at all. Uses only commands both Redis 7 and Garnet serve (hashes, lists, sorted sets, strings,
/// pub/sub, EXPIRE, EVAL).
/// </summary>
public sealed class RedisCustomerStore : ICustomerStore
{
    /// <summary>The hash field that holds the version of the last applied flush.</summary>
    public const string VersionField = "flushVersion";

    /// <summary>The hash field that holds when the customer's expiry was last renewed (Unix seconds): the store's own, never loaded.</summary>
    public const string RenewalField = "ttlRenewedAt";

    /// <summary>Whether a hash field is the store's bookkeeping (version, expiry renewal) rather than the customer's state.</summary>
    public static bool IsBookkeepingField(string name) => name is VersionField or RenewalField;

    private readonly IConnectionMultiplexer _connection;
    private readonly RedisStoreOptions _options;
    private readonly RedisKeys _keys;
    private readonly RedisErasure _erasure;
    private readonly CustomerWriteGroups _groups;

    /// <param name="flushCallWritten">Told the number of flushes of each script call that wrote (for metrics).</param>
    /// <param name="keyReplaced">
    /// Told each of a brand's keys that a flush replaced because it held what the processor never writes there (another
    /// hand's value or type): its former value is lost, which an operator should hear of.
    /// </param>
    public RedisCustomerStore(
        IConnectionMultiplexer connection, RedisStoreOptions options, Action<int>? flushCallWritten = null, Action<string>? keyReplaced = null)
    {
        _connection = connection;
        _options = options;
        _keys = new RedisKeys(options.KeyPrefix);
        _erasure = new RedisErasure(connection, _keys, options);
        _groups = new CustomerWriteGroups(connection, _keys, options, flushCallWritten ?? (_ => { }), keyReplaced ?? (_ => { }));
    }

    public RedisKeys Keys => _keys;

    public async Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken)
    {
        var db = _connection.GetDatabase();
        // Both reads go out together: one round trip.
        var customer = db.HashGetAllAsync(_keys.Customer(id));
        var marker = db.HashGetAllAsync(_keys.ErasureMarker(id));
        // Awaited here rather than through RedisRefusals.RefusedAsStoreErrorAsync: that wrapper is an object of its own
        // per read, and every activation loads.
        HashEntry[] entries, markerEntries;
        var reading = "the customer's hash";
        try
        {
            entries = await customer.ConfigureAwait(false);
            reading = "the customer's erasure marker";
            markerEntries = await marker.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (RedisRefusals.IsAboutTheData(ex.Message))
        {
            throw RedisRefusals.Refused(reading, ex);
        }
        if (entries.Length == 0 && markerEntries.Length == 0)
        {
            return null;
        }
        long version = 0;
        var fields = new List<KeyValuePair<string, string>>(entries.Length + markerEntries.Length);
        foreach (var entry in entries)
        {
            if (entry.Name == RenewalField)
            {
                continue;
            }
            if (entry.Name != VersionField)
            {
                fields.Add(new(entry.Name!, entry.Value!));
            }
            else if (!entry.Value.TryParse(out version) || version < 0)
            {
                throw RedisRefusals.Unreadable("customer", new FormatException($"{VersionField} is not a whole number >= 0"));
            }
        }
        return new StoredCustomer(version, fields) { Tombstones = RedisErasure.ReadMarker(markerEntries, fields) };
    }

    public void Write(CustomerWrite write, IWriteOutcome outcome) => _groups.Write(write, outcome);

    public Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken) => _groups.WriteSignalsAsync(signals);

    public async Task<byte[]?> LoadBrandMonitorAsync(string brand, CancellationToken cancellationToken)
    {
        var key = _keys.BrandMonitor(brand);
        try
        {
            return await _connection.GetDatabase().StringGetAsync(key).ConfigureAwait(false) is { IsNull: false } state ? (byte[]?)state : null;
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            // The next save replaces it (SET takes a key of any type).
            throw new UnreadableStateException($"{key} holds another type, not the monitor's saved state", ex);
        }
    }

    public Task SaveBrandMonitorAsync(string brand, byte[] state, CancellationToken cancellationToken) =>
        _connection.GetDatabase().StringSetAsync(_keys.BrandMonitor(brand), state, _options.BrandMonitorRetention);

    public Task ForgetAsync(Erasure erasure, CancellationToken cancellationToken) => _erasure.EraseAsync(erasure, cancellationToken);
}
