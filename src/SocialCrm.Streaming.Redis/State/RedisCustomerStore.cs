using System.Globalization;
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
    //       risk zset, advocates zset, then one key per volume increment, then one "seen" key per signal.
    // ARGV: version, field count, fields..., member, risk, advocacy, volume count, volume ttl,
    //       (field, count) per volume increment, signal count, list cap, seen ttl, channel,
    //       (stream c|t, json) per signal.
    private const string FlushScript = """
        local a = 1
        local version = tonumber(ARGV[a]); a = a + 1
        local nfields = tonumber(ARGV[a]); a = a + 1
        if version > 0 then
          local stored = tonumber(redis.call('HGET', KEYS[1], 'flushVersion') or '0')
          if stored >= version then return 0 end
          -- One HSET for all fields: a call from Lua into the server costs far more than its arguments.
          local fields = { 'flushVersion', ARGV[1] }
          for i = 1, 2 * nfields do
            fields[2 + i] = ARGV[a + i - 1]
          end
          a = a + 2 * nfields
          redis.call('HSET', KEYS[1], (unpack or table.unpack)(fields))
        else
          a = a + 2 * nfields
        end
        local member = ARGV[a]
        local risk = tonumber(ARGV[a + 1])
        local advocacy = tonumber(ARGV[a + 2])
        a = a + 3
        if version > 0 then
          if risk > 0 then redis.call('ZADD', KEYS[4], risk, member) else redis.call('ZREM', KEYS[4], member) end
          if advocacy > 0 then redis.call('ZADD', KEYS[5], advocacy, member) else redis.call('ZREM', KEYS[5], member) end
        end
        local nvolume = tonumber(ARGV[a])
        local volumeTtl = tonumber(ARGV[a + 1])
        a = a + 2
        for i = 1, nvolume do
          local key = KEYS[5 + i]
          redis.call('HINCRBY', key, ARGV[a], ARGV[a + 1])
          redis.call('EXPIRE', key, volumeTtl)
          a = a + 2
        end
        local nsignals = tonumber(ARGV[a])
        local cap = tonumber(ARGV[a + 1])
        local seenTtl = tonumber(ARGV[a + 2])
        local channel = ARGV[a + 3]
        a = a + 4
        for i = 1, nsignals do
          local seen = KEYS[5 + nvolume + i]
          if redis.call('EXISTS', seen) == 0 then
            redis.call('SET', seen, '1')
            redis.call('EXPIRE', seen, seenTtl)
            local list = KEYS[3]
            if ARGV[a] == 'c' then list = KEYS[2] end
            redis.call('LPUSH', list, ARGV[a + 1])
            redis.call('LTRIM', list, 0, cap - 1)
            redis.call('PUBLISH', channel, ARGV[a + 1])
          end
          a = a + 2
        end
        return 1
        """;

    private readonly RedisKeys _keys = new(options.KeyPrefix);

    public RedisKeys Keys => _keys;

    public async Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken)
    {
        var entries = await connection.GetDatabase().HashGetAllAsync(_keys.Customer(id)).ConfigureAwait(false);
        if (entries.Length == 0)
        {
            return null;
        }
        var version = entries.FirstOrDefault(e => e.Name == VersionField).Value;
        return new StoredCustomer(
            version.IsNull ? 0 : (long)version,
            [.. entries.Where(e => e.Name != VersionField).Select(e => new KeyValuePair<string, string>(e.Name!, e.Value!))]);
    }

    public Task<bool> WriteAsync(CustomerWrite write, CancellationToken cancellationToken) =>
        RunFlushAsync(write.Id.Brand, _keys.Customer(write.Id), write.Version, write.Fields, write.Id.Value,
            write.RiskScore, write.AdvocacyScore, write.Volume, write.Signals);

    public async Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken)
    {
        foreach (var brand in signals.GroupBy(s => s.Brand))
        {
            await RunFlushAsync(brand.Key, _keys.Customer(EntityId.ForCustomer(brand.Key, "-")), 0, [], "", 0, 0, [], [.. brand])
                .ConfigureAwait(false);
        }
    }

    public async Task<byte[]?> LoadBrandMonitorAsync(string brand, CancellationToken cancellationToken) =>
        await connection.GetDatabase().StringGetAsync(_keys.BrandMonitor(brand)).ConfigureAwait(false) is { IsNull: false } state ? (byte[]?)state : null;

    public Task SaveBrandMonitorAsync(string brand, byte[] state, CancellationToken cancellationToken) =>
        connection.GetDatabase().StringSetAsync(_keys.BrandMonitor(brand), state);

    public async Task ForgetAsync(EntityId id, CancellationToken cancellationToken)
    {
        var db = connection.GetDatabase();
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(_keys.Customer(id));
        _ = transaction.SortedSetRemoveAsync(_keys.Risk(id.Brand), id.Value);
        _ = transaction.SortedSetRemoveAsync(_keys.Advocates(id.Brand), id.Value);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>False when the flush was older than the stored version (the script then changes nothing).</summary>
    private async Task<bool> RunFlushAsync(
        string brand, string customerKey, long version, IReadOnlyList<KeyValuePair<string, string>> fields, string member,
        double risk, double advocacy, IReadOnlyList<VolumeIncrement> volume, IReadOnlyList<OutboundSignal> signals)
    {
        var keys = new RedisKey[5 + volume.Count + signals.Count];
        keys[0] = customerKey;
        keys[1] = _keys.Alerts(brand);
        keys[2] = _keys.Triggers(brand);
        keys[3] = _keys.Risk(brand);
        keys[4] = _keys.Advocates(brand);
        for (var i = 0; i < volume.Count; i++)
        {
            keys[5 + i] = _keys.Volume(brand, volume[i].Minute);
        }
        for (var i = 0; i < signals.Count; i++)
        {
            keys[5 + volume.Count + i] = _keys.SignalSeen(brand, signals[i].Id);
        }

        var args = new List<RedisValue>(12 + 2 * (fields.Count + volume.Count + signals.Count))
        {
            version,
            fields.Count,
        };
        foreach (var (name, value) in fields)
        {
            args.Add(name);
            args.Add(value);
        }
        args.Add(member);
        args.Add(risk.ToString("R", CultureInfo.InvariantCulture));
        args.Add(advocacy.ToString("R", CultureInfo.InvariantCulture));
        args.Add(volume.Count);
        args.Add((long)options.VolumeRetention.TotalSeconds);
        foreach (var increment in volume)
        {
            args.Add(increment.SentimentClass);
            args.Add(increment.Count);
        }
        args.Add(signals.Count);
        args.Add(options.ListCapacity);
        args.Add((long)options.SignalIdRetention.TotalSeconds);
        args.Add(_keys.LiveChannel(brand));
        foreach (var signal in signals)
        {
            args.Add(signal.Stream == SignalStream.CrisisAlerts ? "c" : "t");
            args.Add(signal.Json);
        }
        // ScriptEvaluateAsync sends EVALSHA and falls back to EVAL on NOSCRIPT (a restarted server).
        var applied = await connection.GetDatabase().ScriptEvaluateAsync(FlushScript, keys, [.. args]).ConfigureAwait(false);
        return (long)applied == 1;
    }
}
