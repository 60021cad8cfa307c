using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// Customer state in Redis: one Lua script per entity flush, so the snapshot, leaderboards, volume
/// counts and signals of a flush land together or not at all. Uses only commands both Redis 7 and
/// Garnet serve (hashes, lists, sorted sets, strings, pub/sub, EXPIRE, EVAL).
/// </summary>
public sealed class RedisCustomerStore(IConnectionMultiplexer connection, RedisStoreOptions options) : ICustomerStore
{
    /// <summary>The hash field that holds the version of the last applied flush.</summary>
    public const string VersionField = "flushVersion";

    // KEYS: customer hash (or a dummy when ARGV[1] is 0: signals only), alerts list, triggers list,
    //       risk zset, advocates zset, ranked-last-seen zset, then one key per volume increment, then one
    //       "seen" key per signal, then the timeline list when there are timeline entries.
    // ARGV: version, base version (-1: the fields are the whole snapshot), field count, fields..., member,
    //       risk, advocacy (empty: unchanged), customer ttl, now, ranking cutoff (Unix seconds), volume count,
    //       volume ttl, (field, count) per volume increment, signal count, list cap, seen ttl, channel, list ttl,
    //       (stream c|t, json) per signal, timeline entry count, timeline cap, entries (oldest first).
    private const string FlushScript = """
        local version = tonumber(ARGV[1])
        local base = tonumber(ARGV[2])
        local nfields = tonumber(ARGV[3])
        local a = 4
        if version > 0 then
          local stored = tonumber(redis.call('HGET', KEYS[1], 'flushVersion') or '0')
          -- Changes apply only to the snapshot they were made against, so the hash is always a whole snapshot.
          if stored >= version or (base >= 0 and stored ~= base) then return 0 end
          -- One HSET for all fields: a call from Lua into the server costs far more than its arguments.
          local fields = { 'flushVersion', ARGV[1] }
          for i = 1, 2 * nfields do
            fields[2 + i] = ARGV[a + i - 1]
          end
          redis.call('HSET', KEYS[1], (unpack or table.unpack)(fields))
        end
        a = a + 2 * nfields
        local member = ARGV[a]
        local customerTtl = ARGV[a + 3]
        if version > 0 then
          -- Expires after inactivity: every write starts the period again.
          redis.call('EXPIRE', KEYS[1], customerTtl)
          local risk = tonumber(ARGV[a + 1])
          if risk then
            if risk > 0 then redis.call('ZADD', KEYS[4], risk, member) else redis.call('ZREM', KEYS[4], member) end
          end
          local advocacy = tonumber(ARGV[a + 2])
          if advocacy then
            if advocacy > 0 then redis.call('ZADD', KEYS[5], advocacy, member) else redis.call('ZREM', KEYS[5], member) end
          end
          -- The rankings drop whoever was not written within the retention, a few with each flush of a ranked one.
          if redis.call('ZSCORE', KEYS[4], member) or redis.call('ZSCORE', KEYS[5], member) then
            redis.call('ZADD', KEYS[6], ARGV[a + 4], member)
            for _, stale in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', ARGV[a + 5], 'LIMIT', 0, 8)) do
              redis.call('ZREM', KEYS[4], stale)
              redis.call('ZREM', KEYS[5], stale)
              redis.call('ZREM', KEYS[6], stale)
            end
            for k = 4, 6 do redis.call('EXPIRE', KEYS[k], customerTtl) end
          else
            redis.call('ZREM', KEYS[6], member)
          end
        end
        a = a + 6
        local nvolume = tonumber(ARGV[a])
        local volumeTtl = tonumber(ARGV[a + 1])
        a = a + 2
        for i = 1, nvolume do
          local key = KEYS[6 + i]
          redis.call('HINCRBY', key, ARGV[a], ARGV[a + 1])
          redis.call('EXPIRE', key, volumeTtl)
          a = a + 2
        end
        local nsignals = tonumber(ARGV[a])
        local cap = tonumber(ARGV[a + 1])
        local seenTtl = tonumber(ARGV[a + 2])
        local channel = ARGV[a + 3]
        local listTtl = ARGV[a + 4]
        a = a + 5
        for i = 1, nsignals do
          local seen = KEYS[6 + nvolume + i]
          if redis.call('EXISTS', seen) == 0 then
            redis.call('SET', seen, '1')
            redis.call('EXPIRE', seen, seenTtl)
            local list = KEYS[3]
            if ARGV[a] == 'c' then list = KEYS[2] end
            redis.call('LPUSH', list, ARGV[a + 1])
            redis.call('LTRIM', list, 0, cap - 1)
            redis.call('EXPIRE', list, listTtl)
            redis.call('PUBLISH', channel, ARGV[a + 1])
          end
          a = a + 2
        end
        local ntimeline = tonumber(ARGV[a])
        if version > 0 and ntimeline > 0 then
          local timeline = KEYS[7 + nvolume + nsignals]
          for i = 1, ntimeline do
            redis.call('LPUSH', timeline, ARGV[a + 1 + i])
          end
          redis.call('LTRIM', timeline, 0, tonumber(ARGV[a + 1]) - 1)
          redis.call('EXPIRE', timeline, customerTtl)
        end
        return 1
        """;

    private readonly RedisKeys _keys = new(options.KeyPrefix);
    private readonly RedisErasure _erasure = new(connection, new RedisKeys(options.KeyPrefix), options);

    public RedisKeys Keys => _keys;

    public async Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken)
    {
        var db = connection.GetDatabase();
        // Both reads go out together: one round trip.
        var customer = db.HashGetAllAsync(_keys.Customer(id));
        var marker = db.HashGetAllAsync(_keys.ErasureMarker(id));
        var entries = await RedisRefusals.RefusedAsStoreErrorAsync(customer, "the customer's hash").ConfigureAwait(false);
        var markerEntries = await RedisRefusals.RefusedAsStoreErrorAsync(marker, "the customer's erasure marker").ConfigureAwait(false);
        if (entries.Length == 0 && markerEntries.Length == 0)
        {
            return null;
        }
        long version = 0;
        var fields = new List<KeyValuePair<string, string>>(entries.Length + markerEntries.Length);
        foreach (var entry in entries)
        {
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

    public Task<bool> WriteAsync(CustomerWrite write, CancellationToken cancellationToken) =>
        RedisRefusals.RefusedAsStoreErrorAsync(
            RunFlushAsync(_keys.ForBrand(write.Id.BrandSpan), _keys.Customer(write.Id), write.Version, write.BaseVersion, write.Fields,
                write.Id.Value, write.RiskScore, write.AdvocacyScore, write.Volume, write.Signals,
                options.TimelineCapacity > 0 && write.Timeline.Count > 0 ? (_keys.Timeline(write.Id), write.Timeline) : null),
            "the customer's flush");

    public async Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken)
    {
        foreach (var brand in signals.GroupBy(s => s.Brand))
        {
            await RunFlushAsync(_keys.ForBrand(brand.Key), _keys.Customer(EntityId.ForCustomer(brand.Key, "-")), 0, null, [], "", null, null, [], [.. brand], null)
                .ConfigureAwait(false);
        }
    }

    public async Task<byte[]?> LoadBrandMonitorAsync(string brand, CancellationToken cancellationToken) =>
        await connection.GetDatabase().StringGetAsync(_keys.BrandMonitor(brand)).ConfigureAwait(false) is { IsNull: false } state ? (byte[]?)state : null;

    public Task SaveBrandMonitorAsync(string brand, byte[] state, CancellationToken cancellationToken) =>
        connection.GetDatabase().StringSetAsync(_keys.BrandMonitor(brand), state, options.BrandMonitorRetention);

    public Task ForgetAsync(Erasure erasure, CancellationToken cancellationToken) => _erasure.EraseAsync(erasure, cancellationToken);

    /// <summary>False when the flush was older than the stored version, or not made against it (the script then changes nothing).</summary>
    private async Task<bool> RunFlushAsync(
        BrandKeys brand, string customerKey, long version, long? baseVersion, IReadOnlyList<SnapshotField> fields, string member,
        double? risk, double? advocacy, IReadOnlyList<VolumeIncrement> volume, IReadOnlyList<OutboundSignal> signals,
        (string Key, IReadOnlyList<string> Entries)? timeline)
    {
        var timelineCount = timeline?.Entries.Count ?? 0;
        var keys = new RedisKey[6 + volume.Count + signals.Count + (timelineCount > 0 ? 1 : 0)];
        keys[0] = customerKey;
        keys[1] = brand.Alerts;
        keys[2] = brand.Triggers;
        keys[3] = brand.Risk;
        keys[4] = brand.Advocates;
        keys[5] = brand.RankedLastSeen;
        for (var i = 0; i < volume.Count; i++)
        {
            keys[6 + i] = brand.Volume(volume[i].Minute);
        }
        for (var i = 0; i < signals.Count; i++)
        {
            keys[6 + volume.Count + i] = _keys.SignalSeen(brand.Brand, signals[i].Id);
        }

        // Integers stay typed: the client writes their digits, the same text a string would have been.
        var args = new RedisValue[3 + 2 * fields.Count + 6 + 2 + 2 * volume.Count + 5 + 2 * signals.Count + 2 + timelineCount];
        var a = 0;
        args[a++] = version;
        args[a++] = baseVersion ?? -1;
        args[a++] = fields.Count;
        foreach (var field in fields)
        {
            args[a++] = field.Name;
            args[a++] = field.Text is { } text ? text : field.Integer;
        }
        args[a++] = member;
        args[a++] = Score(risk);
        args[a++] = Score(advocacy);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        args[a++] = (long)options.CustomerRetention.TotalSeconds;
        args[a++] = now;
        args[a++] = now - (long)options.CustomerRetention.TotalSeconds;
        args[a++] = volume.Count;
        args[a++] = (long)options.VolumeRetention.TotalSeconds;
        foreach (var increment in volume)
        {
            args[a++] = increment.SentimentClass;
            args[a++] = increment.Count;
        }
        args[a++] = signals.Count;
        args[a++] = options.ListCapacity;
        args[a++] = (long)options.SignalIdRetention.TotalSeconds;
        args[a++] = brand.LiveChannel;
        args[a++] = (long)options.SignalListRetention.TotalSeconds;
        foreach (var signal in signals)
        {
            args[a++] = signal.Stream == SignalStream.CrisisAlerts ? "c" : "t";
            args[a++] = signal.Json;
        }
        args[a++] = timelineCount;
        args[a++] = options.TimelineCapacity;
        if (timeline is { Key: var timelineKey, Entries: var entries } && timelineCount > 0)
        {
            keys[^1] = timelineKey;
            foreach (var entry in entries)
            {
                args[a++] = entry;
            }
        }
        // ScriptEvaluateAsync sends EVALSHA and falls back to EVAL on NOSCRIPT (a restarted server).
        var applied = await connection.GetDatabase().ScriptEvaluateAsync(FlushScript, keys, args).ConfigureAwait(false);
        return (long)applied == 1;
    }

    /// <summary>A leaderboard score as the script reads it (tonumber: any round-trip form), empty when unchanged.</summary>
    private static RedisValue Score(double? score) => score is { } value ? value : RedisValue.EmptyString;
}
