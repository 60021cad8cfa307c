using System.Globalization;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>A case as stored: its latest state (null when never worked, or unreadable) and the version a change must find.</summary>
/// <param name="Version">What the next change follows: the stored version when it is a number, else 0.</param>
/// <param name="Token">The stored version as it is (compare and set); "0" when there is none.</param>
public sealed record StoredCase(CaseSnapshot? Snapshot, long Version, RedisValue Token);

/// <summary>
/// Cases in Redis. A change is applied by one Lua script only if the case is still at the version the
/// change was decided on (compare and set), together with its audit entry, its index score and its live
/// message — so of two agents claiming one alert at once exactly one wins. What another hand left in a case's keys is
/// passed over by the reads and replaced by the case's next change.
/// </summary>
public sealed class CaseStore(IConnectionMultiplexer connection, CaseKeys keys, ConsoleOptions options, ForeignData foreign)
{
    // KEYS: case hash, audit list, brand index, brand outbox. ARGV: expected version (as stored), new version, event JSON,
    // index score, member, channel, retention (seconds), index cutoff (Unix ms: cases not changed since leave the index),
    // '1' when the event goes to the outbox for the case events topic.
    // A key of another type (another hand's) is replaced; a version that is not a number is compared as it is stored.
    private const string ApplyScript = """
        local function ours(command, key, ...)
          local reply = redis.pcall(command, key, ...)
          if type(reply) == 'table' and reply.err then
            if string.find(reply.err, 'WRONGTYPE', 1, true) then redis.call('DEL', key) end
            return redis.call(command, key, ...)
          end
          return reply
        end
        local current = ours('HGET', KEYS[1], 'version') or '0'
        if current ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'version', ARGV[2], 'last', ARGV[3])
        ours('RPUSH', KEYS[2], ARGV[3])
        ours('ZADD', KEYS[3], ARGV[4], ARGV[5])
        ours('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[8])
        for k = 1, 3 do redis.call('EXPIRE', KEYS[k], ARGV[7]) end
        if ARGV[9] == '1' then
          ours('RPUSH', KEYS[4], ARGV[3])
          redis.call('EXPIRE', KEYS[4], ARGV[7])
        end
        redis.call('PUBLISH', ARGV[6], ARGV[3])
        return 1
        """;

    private static readonly RedisValue[] CaseFields = ["version", "last"];

    public CaseKeys Keys => keys;

    public async Task<StoredCase> LoadAsync(string brand, string signalId)
    {
        var key = keys.Case(brand, signalId);
        var stored = await foreign.ReadAsync(connection.GetDatabase().HashGetAsync(key, CaseFields), key, [RedisValue.Null, RedisValue.Null]).ConfigureAwait(false);
        if (stored[0].IsNull)
        {
            return new StoredCase(null, 0, 0);
        }
        if (!long.TryParse((string?)stored[0], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            foreign.Name(key, "a case version that is not a number");
        }
        return new StoredCase(stored[1].IsNull ? null : Snapshot(key, stored[1]!), version, stored[0]);
    }

    /// <summary>The current state of many cases of one brand, in one round trip; untouched and unreadable ones are missing.</summary>
    public async Task<Dictionary<string, CaseSnapshot>> LoadManyAsync(string brand, IReadOnlyCollection<string> signalIds)
    {
        var batch = connection.GetDatabase().CreateBatch();
        var reads = signalIds.Select(id => (id, key: keys.Case(brand, id))).Select(c => (c.id, c.key, read: batch.HashGetAsync(c.key, "last"))).ToList();
        batch.Execute();
        var cases = new Dictionary<string, CaseSnapshot>(StringComparer.Ordinal);
        foreach (var (id, key, read) in reads)
        {
            if (await foreign.ReadAsync(read, key, RedisValue.Null).ConfigureAwait(false) is { IsNullOrEmpty: false } last
                && Snapshot(key, last!) is { } snapshot)
            {
                cases[id] = snapshot;
            }
        }
        return cases;
    }

    /// <summary>True when applied; false when the case moved on since <paramref name="expectedVersion"/> (as stored).</summary>
    public async Task<bool> TryApplyAsync(CaseEvent change, RedisValue expectedVersion)
    {
        var (brand, id) = (change.Subject.Brand, change.Subject.SignalId);
        var json = CaseJson.Serialize(change);
        var applied = await connection.GetDatabase().ScriptEvaluateAsync(ApplyScript,
            [keys.Case(brand, id), keys.Audit(brand, id), keys.Index(brand), keys.Outbox(brand)],
            [expectedVersion, change.Version, json, change.At.ToUnixTimeMilliseconds(), id, keys.LiveChannel(brand),
                (long)options.CaseRetention.TotalSeconds, (change.At - options.CaseRetention).ToUnixTimeMilliseconds(), options.SendsCaseEvents ? "1" : "0"]).ConfigureAwait(false);
        return (long)applied == 1;
    }

    /// <summary>The ids of the brand's cases changed at or after <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<string>> ChangedSinceAsync(string brand, DateTimeOffset since)
    {
        var key = keys.Index(brand);
        var ids = await foreign.ReadAsync(connection.GetDatabase().SortedSetRangeByScoreAsync(key, since.ToUnixTimeMilliseconds()), key, []).ConfigureAwait(false);
        return [.. ids.Select(i => (string)i!)];
    }

    /// <summary>The whole audit trail of each case, in one round trip; entries that are not case events are passed over.</summary>
    public async Task<Dictionary<string, IReadOnlyList<CaseEvent>>> AuditsAsync(string brand, IReadOnlyCollection<string> signalIds)
    {
        var batch = connection.GetDatabase().CreateBatch();
        var reads = signalIds.Select(id => (id, key: keys.Audit(brand, id))).Select(c => (c.id, c.key, read: batch.ListRangeAsync(c.key))).ToList();
        batch.Execute();
        var trails = new Dictionary<string, IReadOnlyList<CaseEvent>>(StringComparer.Ordinal);
        foreach (var (id, key, read) in reads)
        {
            var entries = await foreign.ReadAsync(read, key, []).ConfigureAwait(false);
            trails[id] = [.. entries.Select(e => EventOf(key, e!)).OfType<CaseEvent>()];
        }
        return trails;
    }

    private CaseSnapshot? Snapshot(string key, string json) => EventOf(key, json) is { } last ? CaseSnapshot.After(last) : null;

    /// <summary>The case event a value of <paramref name="key"/> holds; null (and named in the log) when it holds none.</summary>
    public CaseEvent? EventOf(string key, string json)
    {
        try
        {
            return CaseJson.Parse(json);
        }
        catch (FormatException)
        {
            foreign.Name(key, "an entry that is not a case event");
            return null;
        }
    }
}
