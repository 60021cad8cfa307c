using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>
/// Cases in Redis. A change is applied by one Lua script only if the case is still at the version the
/// change was decided on (compare and set), together with its audit entry, its index score and its live
/// message — so of two agents claiming one alert at once exactly one wins.
/// </summary>
public sealed class CaseStore(IConnectionMultiplexer connection, CaseKeys keys, ConsoleOptions options)
{
    // KEYS: case hash, audit list, brand index. ARGV: expected version, new version, event JSON, index score, member, channel,
    // retention (seconds), index cutoff (Unix ms: cases not changed since leave the index).
    private const string ApplyScript = """
        local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
        if current ~= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'version', ARGV[2], 'last', ARGV[3])
        redis.call('RPUSH', KEYS[2], ARGV[3])
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[8])
        for k = 1, 3 do redis.call('EXPIRE', KEYS[k], ARGV[7]) end
        redis.call('PUBLISH', ARGV[6], ARGV[3])
        return 1
        """;

    public CaseKeys Keys => keys;

    public async Task<CaseSnapshot?> LoadAsync(string brand, string signalId)
    {
        var last = await connection.GetDatabase().HashGetAsync(keys.Case(brand, signalId), "last").ConfigureAwait(false);
        return last.IsNullOrEmpty ? null : CaseSnapshot.After(CaseJson.Parse(last!));
    }

    /// <summary>The current state of many cases of one brand, in one round trip; untouched ones are missing.</summary>
    public async Task<Dictionary<string, CaseSnapshot>> LoadManyAsync(string brand, IReadOnlyCollection<string> signalIds)
    {
        var batch = connection.GetDatabase().CreateBatch();
        var reads = signalIds.Select(id => (id, batch.HashGetAsync(keys.Case(brand, id), "last"))).ToList();
        batch.Execute();
        var cases = new Dictionary<string, CaseSnapshot>(StringComparer.Ordinal);
        foreach (var (id, read) in reads)
        {
            if (await read.ConfigureAwait(false) is { IsNullOrEmpty: false } last)
            {
                cases[id] = CaseSnapshot.After(CaseJson.Parse(last!));
            }
        }
        return cases;
    }

    /// <summary>True when applied; false when the case moved on since <paramref name="expectedVersion"/>.</summary>
    public async Task<bool> TryApplyAsync(CaseEvent change, long expectedVersion)
    {
        var (brand, id) = (change.Subject.Brand, change.Subject.SignalId);
        var json = CaseJson.Serialize(change);
        var applied = await connection.GetDatabase().ScriptEvaluateAsync(ApplyScript,
            [keys.Case(brand, id), keys.Audit(brand, id), keys.Index(brand)],
            [expectedVersion, change.Version, json, change.At.ToUnixTimeMilliseconds(), id, keys.LiveChannel(brand),
                (long)options.CaseRetention.TotalSeconds, (change.At - options.CaseRetention).ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        return (long)applied == 1;
    }

    /// <summary>The ids of the brand's cases changed at or after <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<string>> ChangedSinceAsync(string brand, DateTimeOffset since)
    {
        var ids = await connection.GetDatabase().SortedSetRangeByScoreAsync(keys.Index(brand), since.ToUnixTimeMilliseconds()).ConfigureAwait(false);
        return [.. ids.Select(i => (string)i!)];
    }

    /// <summary>The whole audit trail of each case, in one round trip.</summary>
    public async Task<Dictionary<string, IReadOnlyList<CaseEvent>>> AuditsAsync(string brand, IReadOnlyCollection<string> signalIds)
    {
        var batch = connection.GetDatabase().CreateBatch();
        var reads = signalIds.Select(id => (id, batch.ListRangeAsync(keys.Audit(brand, id)))).ToList();
        batch.Execute();
        var trails = new Dictionary<string, IReadOnlyList<CaseEvent>>(StringComparer.Ordinal);
        foreach (var (id, read) in reads)
        {
            trails[id] = [.. (await read.ConfigureAwait(false)).Select(e => CaseJson.Parse(e!))];
        }
        return trails;
    }
}
