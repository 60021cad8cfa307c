using System.Text.Encodings.Web;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// Erases a customer or prospect: its hash, timeline, ranking entries, the alerts and triggers that name it and
/// the care console's cases about those, in one script (every key of it belongs to the brand). What stays is a
/// marker under a hash of the entity id (<see cref="RedisKeys.ErasureMarker"/>): the applied-offset watermarks and
/// the tombstone's position, with a TTL, so a replayed old mention is skipped rather than bringing the person back.
/// </summary>
internal sealed class RedisErasure(IConnectionMultiplexer connection, RedisKeys keys, RedisStoreOptions options)
{
    /// <summary>Marker fields holding the offset of the tombstone applied from one profiles partition.</summary>
    public const string TombstonePrefix = "tomb:";

    // KEYS: customer hash, timeline, marker, risk, advocates, ranked-last-seen, alerts, triggers, cases index,
    //       then (case hash, case audit) per signal id declared.
    // ARGV: member (entity id), the JSON text naming it ("entityId":"..."), marker ttl, tombstone field, tombstone
    //       offset, then the declared signal ids.
    // Returns the ids of listed signals naming the entity whose case keys were not declared (nothing changed then),
    // or an empty array once erased.
    private const string EraseScript = """
        local ncases = (#KEYS - 9) / 2
        local declared = {}
        for i = 1, ncases do declared[ARGV[5 + i]] = true end
        local undeclared = {}
        local removals = {}
        for _, list in ipairs({ KEYS[7], KEYS[8] }) do
          for _, entry in ipairs(redis.call('LRANGE', list, 0, -1)) do
            if string.find(entry, ARGV[2], 1, true) then
              local id = string.match(entry, '"alertId":"([^"]+)"') or string.match(entry, '"triggerId":"([^"]+)"')
              if id and not declared[id] then undeclared[#undeclared + 1] = id end
              removals[#removals + 1] = { list, entry }
            end
          end
        end
        if #undeclared > 0 then return undeclared end
        for _, removal in ipairs(removals) do redis.call('LREM', removal[1], 0, removal[2]) end
        for i = 1, ncases do
          redis.call('DEL', KEYS[8 + 2 * i], KEYS[9 + 2 * i])
          redis.call('ZREM', KEYS[9], ARGV[5 + i])
        end
        -- The watermarks (offsets, no personal data) move to the marker, each the larger of what either holds.
        local fields = redis.call('HGETALL', KEYS[1])
        local kept = { { ARGV[4], ARGV[5] } }
        for i = 1, #fields, 2 do
          if string.sub(fields[i], 1, 3) == 'wm:' then kept[#kept + 1] = { fields[i], fields[i + 1] } end
        end
        for _, field in ipairs(kept) do
          local old = tonumber(redis.call('HGET', KEYS[3], field[1]) or '-1')
          if tonumber(field[2]) > old then redis.call('HSET', KEYS[3], field[1], field[2]) end
        end
        redis.call('EXPIRE', KEYS[3], ARGV[3])
        redis.call('DEL', KEYS[1], KEYS[2])
        for k = 4, 6 do redis.call('ZREM', KEYS[k], ARGV[1]) end
        return {}
        """;

    public async Task EraseAsync(Erasure erasure, CancellationToken cancellationToken)
    {
        var id = erasure.Entity;
        var brand = id.Brand;
        var naming = NamingText(id);
        // The cases to delete are keyed by the signals found; the script refuses (changing nothing) when it finds
        // one more than declared (listed meanwhile), and is run again with it.
        var signalIds = await SignalsNamingAsync(brand, naming).ConfigureAwait(false);
        while (true)
        {
            var keyList = new List<RedisKey>
            {
                keys.Customer(id), keys.Timeline(id), keys.ErasureMarker(id), keys.Risk(brand), keys.Advocates(brand),
                keys.RankedLastSeen(brand), keys.Alerts(brand), keys.Triggers(brand), keys.Cases(brand),
            };
            var args = new List<RedisValue>
            {
                id.Value, naming, (long)options.ErasureMarkerRetention.TotalSeconds,
                TombstonePrefix + erasure.Tombstone.Partition, erasure.Tombstone.Offset,
            };
            foreach (var signalId in signalIds)
            {
                keyList.Add(keys.Case(brand, signalId));
                keyList.Add(keys.CaseAudit(brand, signalId));
                args.Add(signalId);
            }
            var result = await RedisRefusals.RefusedAsStoreErrorAsync(
                connection.GetDatabase().ScriptEvaluateAsync(EraseScript, [.. keyList], [.. args]), "erasing the customer").ConfigureAwait(false);
            var undeclared = (string[])result!;
            if (undeclared.Length == 0)
            {
                return;
            }
            signalIds.UnionWith(undeclared);
        }
    }

    /// <summary>The marker's tombstone positions and its watermarks (added to <paramref name="fields"/>, where a restore takes the larger).</summary>
    public static IReadOnlyList<SourcePosition> ReadMarker(HashEntry[] marker, List<KeyValuePair<string, string>> fields)
    {
        var tombstones = new List<SourcePosition>();
        foreach (var entry in marker)
        {
            var name = (string)entry.Name!;
            if (name.StartsWith(TombstonePrefix, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(TombstonePrefix.Length), out var partition) && entry.Value.TryParse(out long offset))
            {
                tombstones.Add(new SourcePosition(partition, offset));
            }
            else if (name.StartsWith(Domain.Engagement.CustomerState.WatermarkPrefix, StringComparison.Ordinal))
            {
                fields.Add(new(name, entry.Value!));
            }
        }
        return tombstones;
    }

    /// <summary>How an alert or trigger JSON names the entity: its <c>entityId</c> property, escaped as the signal writer escapes it.</summary>
    private static string NamingText(EntityId id) =>
        $"\"entityId\":\"{JsonEncodedText.Encode(id.Value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";

    private async Task<HashSet<string>> SignalsNamingAsync(string brand, string naming)
    {
        var db = connection.GetDatabase();
        var alerts = db.ListRangeAsync(keys.Alerts(brand));
        var triggers = db.ListRangeAsync(keys.Triggers(brand));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in (await alerts.ConfigureAwait(false)).Concat(await triggers.ConfigureAwait(false)))
        {
            var json = (string)entry!;
            if (!json.Contains(naming, StringComparison.Ordinal))
            {
                continue;
            }
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if ((root.TryGetProperty("alertId", out var id) || root.TryGetProperty("triggerId", out id)) && id.GetString() is { } signalId)
            {
                ids.Add(signalId);
            }
        }
        return ids;
    }
}
