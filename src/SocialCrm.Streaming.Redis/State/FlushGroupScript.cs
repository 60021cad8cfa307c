using SocialCrm.Streaming.Domain.Ports;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// One script call writes the flushes of many customers of one brand (one Redis Cluster slot): a section per flush,
/// each applied only if its version follows the stored one, so a retried section is never counted twice and a stale
/// incarnation's section changes nothing; a section of a partition whose later owner has written to the brand (its fence)
/// changes nothing either. What the sections share is written once per call rather than once per
/// flush: the volume counts are summed per minute and class, and each shared key's expiry, list trim and ranking
/// clean-up happen once. A customer's own expiry (hash, timeline, ranked-last-seen) is renewed at most once per
/// <see cref="RedisStoreOptions.ExpiryRenewalInterval"/>, kept in the hash's <c>ttlRenewedAt</c> field: most flushes
/// then cost the server only the reads and writes of their data. Uses only commands both Redis 7 and Garnet serve.
/// </summary>
internal static class FlushGroupScript
{
    /// <summary>ARGV entries before the first section.</summary>
    public const int HeaderLength = 13;

    /// <summary>KEYS entries before the volume keys.</summary>
    private const int SharedKeys = 5;

    /// <summary>
    /// ARGV entries one call takes at most (a section larger than that goes alone). When each call allocated its own
    /// argument array, this kept it below the 85,000 bytes from which .NET puts an array on the large object heap, where
    /// every 100 KB or so of such arrays started a full (gen2) collection in the node while it was busy; the arrays are
    /// pooled now (<see cref="FlushCallArguments"/>), and the bound still keeps the ones the pool hands out small.
    /// </summary>
    public const int MaxArguments = 5_000;

    // KEYS: alerts list, triggers list, risk zset, advocates zset, ranked-last-seen zset, the group's distinct volume
    //       keys, the group's distinct fence keys, then per section: the customer hash (version > 0 only), one "seen"
    //       key per signal, the timeline list (version > 0 and timeline cap > 0 only: its expiry is renewed with the hash's).
    // ARGV: sections, customer ttl, now, ranking cutoff (Unix seconds), volume ttl, list cap, seen ttl, channel, list ttl,
    //       timeline cap, volume key count, fence key count, expiry renewal interval (seconds); then per section: base
    //       version (-1: the fields are the whole snapshot), fence key index (0: not fenced), the writer's epoch, field
    //       count, 'flushVersion', version (0: signals only), (field, value) per field, member, risk, advocacy (empty: unchanged), volume count, (volume key index, class,
    //       count) per increment, signal count, (stream c|t, json) per signal, timeline entry count, entries (oldest first).
    // Returns per section 1 (applied), 0 (stale or fenced: changed nothing) or -1 (refused: the customer's keys hold another type),
    // then the names of the brand's keys it replaced (a shared key of another type, a fence no claim wrote);
    // or, for the whole call, the server's own error (OOM, READONLY, ...), which Redis raises before a script's first write.
    public const string Source = """
        local sections = tonumber(ARGV[1])
        local customerTtl, now, cutoff, volumeTtl = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
        local cap, seenTtl, channel, listTtl = tonumber(ARGV[6]), ARGV[7], ARGV[8], ARGV[9]
        local timelineCap = tonumber(ARGV[10])
        local volumeKeys, fenceKeys = tonumber(ARGV[11]), tonumber(ARGV[12])
        local renewBefore = tonumber(now) - tonumber(ARGV[13])
        local unpackAll = unpack or table.unpack
        -- A key of another type refuses its section alone; any other error (the server full, a read-only replica)
        -- is the server's, so the script returns it and the whole call is retried while it lasts.
        local function wrongType(reply) return string.find(reply.err, 'WRONGTYPE', 1, true) ~= nil end
        local results, counts, listed, owners, replaced = {}, {}, {}, {}, {}
        -- The brand's shared keys (rankings, lists, counts) are the processor's alone: one of another type (another
        -- hand's), or a count that is not a number, is replaced and named in the reply, not a reason to refuse every
        -- customer of the brand for good. Any other error is raised as the command raises it.
        local function shared(command, key, ...)
          local reply = redis.pcall(command, key, ...)
          if type(reply) == 'table' and reply.err then
            if wrongType(reply) then
              redis.call('DEL', key)
              replaced[#replaced + 1] = key
            elseif command == 'HINCRBY' and string.find(reply.err, 'integer', 1, true) then
              redis.call('HDEL', key, (...))
              replaced[#replaced + 1] = key
            end
            return redis.call(command, key, ...)
          end
          return reply
        end
        -- A fence no claim can have written (not a number, NaN, a key of another type, or an epoch more than a day
        -- ahead of this server's clock, as claims are the clock in ms) counts as none, is named in the reply, and is
        -- replaced: refusing on it would refuse the partition's writes to the brand for good.
        local function storedOwner(fenceKey, epoch)
          local stored = redis.pcall('GET', fenceKey)
          if not stored then return 0 end
          local owner = type(stored) == 'string' and tonumber(stored)
          if owner and owner == owner and owner > epoch then
            local time = redis.call('TIME')
            if owner > tonumber(time[1]) * 1000 + 86400000 then owner = nil end
          end
          if not owner or owner ~= owner then
            replaced[#replaced + 1] = fenceKey
            return 0
          end
          return owner
        end
        local ranked = 0
        local a, k = 14, 6 + volumeKeys + fenceKeys
        for s = 1, sections do
          local sectionAt = a
          local base, fence, epoch, nfields = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
          -- The hash's fields start with ('flushVersion', version): HSET takes them straight from ARGV.
          local fieldsAt = a + 4
          local version = tonumber(ARGV[fieldsAt + 1])
          local fieldsEnd = fieldsAt + 1 + 2 * nfields
          a = fieldsEnd + 1
          local member, risk, advocacy = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
          local nvolume = tonumber(ARGV[a + 3])
          local volumeAt = a + 4
          a = volumeAt + 3 * nvolume
          local nsignals = tonumber(ARGV[a])
          local signalsAt = a + 1
          a = signalsAt + 2 * nsignals
          local ntimeline = tonumber(ARGV[a])
          local timelineAt = a + 1
          a = timelineAt + ntimeline
          local customer = KEYS[k]
          if version > 0 then k = k + 1 end
          local seenAt = k
          k = k + nsignals
          local timeline = KEYS[k]
          if version > 0 and timelineCap > 0 then k = k + 1 end
          local result = 1
          local renewedAt, renew = nil, false
          if fence > 0 then
            -- The latest owner of the partition that wrote to the brand: an older owner (a zombie) writes nothing more.
            local fenceKey = KEYS[5 + volumeKeys + fence]
            local owner = owners[fence] or storedOwner(fenceKey, epoch)
            if owner > epoch then
              result = 0
            elseif owner < epoch then
              -- The epoch as the caller wrote it: Lua would print a large number in its own float form.
              redis.call('SET', fenceKey, ARGV[sectionAt + 2], 'EX', customerTtl)
              owner = epoch
            end
            owners[fence] = owner
          end
          if result == 1 and version > 0 then
            -- A customer's own keys holding something else refuse this section alone (-1), before anything is written.
            local state = redis.pcall('HMGET', customer, 'flushVersion', 'ttlRenewedAt')
            if state.err and not wrongType(state) then return state end
            local stored = state.err == nil and tonumber(state[1] or '0')
            if not stored then
              result = -1
            elseif stored >= version or (base >= 0 and stored ~= base) then
              -- Changes apply only to the snapshot they were made against, so the hash is always a whole snapshot.
              result = 0
            else
              -- The customer's expiry is renewed at most once per renewal interval (and at once when never renewed).
              renewedAt = tonumber(state[2] or '')
              renew = not renewedAt or renewedAt <= renewBefore
            end
            if result == 1 and ntimeline > 0 then
              -- One LPUSH for all entries (each goes to the head in turn, the newest ends first).
              local length = redis.pcall('LPUSH', timeline, unpackAll(ARGV, timelineAt, timelineAt + ntimeline - 1))
              if type(length) == 'table' then
                if not wrongType(length) then return length end
                result = -1
              else
                if length > timelineCap then redis.call('LTRIM', timeline, 0, timelineCap - 1) end
                -- A list this flush created expires like the hash, never later: no key lives without a TTL.
                if length == ntimeline and not renew then redis.call('EXPIRE', timeline, customerTtl) end
              end
            end
          end
          if result == 1 then
            if version > 0 then
              -- One HSET for all fields: a call from Lua into the server costs far more than its arguments.
              if renew then
                redis.call('HSET', customer, 'ttlRenewedAt', now, unpackAll(ARGV, fieldsAt, fieldsEnd))
                -- Expires after inactivity: the period starts again, once per renewal interval.
                redis.call('EXPIRE', customer, customerTtl)
                if timelineCap > 0 then redis.call('EXPIRE', timeline, customerTtl) end
              else
                redis.call('HSET', customer, unpackAll(ARGV, fieldsAt, fieldsEnd))
              end
              -- ranked:seen holds each ranked customer's last renewal (ranked members only), so the clean-up below
              -- drops a customer from the rankings once its hash has expired.
              local added, removed = 0, 0
              if risk then
                if risk > 0 then added = shared('ZADD', KEYS[3], risk, member) else removed = shared('ZREM', KEYS[3], member) end
              end
              if advocacy then
                if advocacy > 0 then added = added + shared('ZADD', KEYS[4], advocacy, member)
                else removed = removed + shared('ZREM', KEYS[4], member) end
              end
              if renew or added > 0 or removed > 0 then
                -- Whether it is ranked: known from a score the flush sets, else looked up (a whole snapshot's flush sets
                -- every score that ranks: a customer never stored has no ranking entry).
                local isRanked = (risk and risk > 0) or (advocacy and advocacy > 0)
                  or (base >= 0 and ((not risk and shared('ZSCORE', KEYS[3], member)) or (not advocacy and shared('ZSCORE', KEYS[4], member))))
                if isRanked and (renew or added > 0) then
                  shared('ZADD', KEYS[5], renew and now or renewedAt, member)
                  ranked = ranked + 1
                elseif not isRanked and removed > 0 then
                  shared('ZREM', KEYS[5], member)
                end
              end
            end
            for i = 0, nvolume - 1 do
              local at = volumeAt + 3 * i
              local key = tonumber(ARGV[at])
              local byClass = counts[key] or {}
              counts[key] = byClass
              byClass[ARGV[at + 1]] = (byClass[ARGV[at + 1]] or 0) + tonumber(ARGV[at + 2])
            end
            for i = 0, nsignals - 1 do
              local seen = KEYS[seenAt + i]
              -- Only a string this script set marks a signal as listed: a key of another type there (another hand's)
              -- is replaced, not taken for the signal's, which would never list it.
              local mark = redis.pcall('GET', seen)
              if type(mark) == 'table' then
                redis.call('DEL', seen)
                replaced[#replaced + 1] = seen
                mark = false
              end
              if not mark then
                redis.call('SET', seen, '1', 'EX', seenTtl)
                local list = KEYS[2]
                if ARGV[signalsAt + 2 * i] == 'c' then list = KEYS[1] end
                shared('LPUSH', list, ARGV[signalsAt + 2 * i + 1])
                listed[list] = true
                redis.call('PUBLISH', channel, ARGV[signalsAt + 2 * i + 1])
              end
            end
          end
          results[s] = result
        end
        for key, byClass in pairs(counts) do
          local created = false
          for class, count in pairs(byClass) do
            created = shared('HINCRBY', KEYS[5 + key], class, count) == count or created
          end
          -- The minute's expiry is set when a class is first counted in it (so always when the key is created).
          if created then redis.call('EXPIRE', KEYS[5 + key], volumeTtl) end
        end
        for list in pairs(listed) do
          shared('LTRIM', list, 0, cap - 1)
          redis.call('EXPIRE', list, listTtl)
        end
        if ranked > 0 then
          -- The rankings drop whoever's expiry was not renewed within the retention, a few for each renewed or new member.
          for _, stale in ipairs(shared('ZRANGEBYSCORE', KEYS[5], '-inf', cutoff, 'LIMIT', 0, 8 * ranked)) do
            shared('ZREM', KEYS[3], stale)
            shared('ZREM', KEYS[4], stale)
            shared('ZREM', KEYS[5], stale)
          end
          for i = 3, 5 do redis.call('EXPIRE', KEYS[i], customerTtl) end
        end
        for _, key in ipairs(replaced) do results[#results + 1] = key end
        return results
        """;

    /// <summary>The KEYS and ARGV of one call writing <paramref name="sections"/> of one brand, in order, in pooled arrays.</summary>
    public static FlushCallArguments Build(BrandKeys brand, IReadOnlyList<FlushSection> sections, RedisStoreOptions options, long now)
    {
        var minutes = new Dictionary<string, int>(StringComparer.Ordinal);
        var fences = new Dictionary<int, int>();
        var keyCount = SharedKeys;
        var argCount = HeaderLength;
        // Index loops throughout: foreach over an IReadOnlyList boxes its enumerator, a garbage object per list per flush.
        for (var s = 0; s < sections.Count; s++)
        {
            var section = sections[s];
            for (var i = 0; i < section.Volume.Count; i++)
            {
                if (minutes.TryAdd(section.Volume[i].Minute, minutes.Count + 1))
                {
                    keyCount++;
                }
            }
            if (section.Fence is { } fence && fences.TryAdd(fence.Partition, fences.Count + 1))
            {
                keyCount++;
            }
            keyCount += (section.CustomerKey is null ? 0 : 1) + section.Signals.Count + (section.HasTimelineKey(options) ? 1 : 0);
            argCount += section.Arguments(options);
        }

        var call = FlushCallArguments.Rent(keyCount, argCount);
        var keys = call.KeyArray;
        keys[0] = brand.Alerts;
        keys[1] = brand.Triggers;
        keys[2] = brand.Risk;
        keys[3] = brand.Advocates;
        keys[4] = brand.RankedLastSeen;
        foreach (var (minute, index) in minutes)
        {
            keys[SharedKeys - 1 + index] = brand.Volume(minute);
        }
        foreach (var (partition, index) in fences)
        {
            keys[SharedKeys + minutes.Count - 1 + index] = brand.Fence(partition);
        }
        var k = SharedKeys + minutes.Count + fences.Count;

        // Integers stay typed: the client writes their digits, the same text a string would have been.
        var args = call.ArgArray;
        var retention = (long)options.CustomerRetention.TotalSeconds;
        args[0] = sections.Count;
        args[1] = retention;
        args[2] = now;
        args[3] = now - retention;
        args[4] = (long)options.VolumeRetention.TotalSeconds;
        args[5] = options.ListCapacity;
        args[6] = (long)options.SignalIdRetention.TotalSeconds;
        args[7] = brand.LiveChannel;
        args[8] = (long)options.SignalListRetention.TotalSeconds;
        args[9] = options.TimelineCapacity;
        args[10] = minutes.Count;
        args[11] = fences.Count;
        args[12] = (long)options.ExpiryRenewalInterval().TotalSeconds;
        var a = HeaderLength;
        for (var s = 0; s < sections.Count; s++)
        {
            var section = sections[s];
            if (section.CustomerKey is { } customerKey)
            {
                keys[k++] = customerKey;
            }
            args[a++] = section.BaseVersion ?? -1;
            args[a++] = section.Fence is { } fence ? fences[fence.Partition] : 0;
            args[a++] = section.Fence?.Epoch ?? 0;
            args[a++] = section.Fields.Count;
            args[a++] = RedisCustomerStore.VersionField;
            args[a++] = section.Version;
            for (var i = 0; i < section.Fields.Count; i++)
            {
                var field = section.Fields[i];
                args[a++] = field.Name;
                args[a++] = field.Text is { } text ? text : field.Integer;
            }
            args[a++] = section.Member;
            args[a++] = Score(section.RiskScore);
            args[a++] = Score(section.AdvocacyScore);
            args[a++] = section.Volume.Count;
            for (var i = 0; i < section.Volume.Count; i++)
            {
                var increment = section.Volume[i];
                args[a++] = minutes[increment.Minute];
                args[a++] = increment.SentimentClass;
                args[a++] = increment.Count;
            }
            args[a++] = section.Signals.Count;
            for (var i = 0; i < section.Signals.Count; i++)
            {
                var signal = section.Signals[i];
                keys[k++] = brand.SignalSeen(signal.Id);
                args[a++] = signal.Stream == SignalStream.CrisisAlerts ? "c" : "t";
                args[a++] = signal.Json;
            }
            var timeline = section.TimelineEntries(options);
            args[a++] = timeline;
            if (section.HasTimelineKey(options))
            {
                keys[k++] = section.TimelineKey!.Value;
            }
            for (var i = 0; i < timeline; i++)
            {
                args[a++] = section.Timeline[i];
            }
        }
        return call;
    }

    /// <summary>A leaderboard score as the script reads it (tonumber: any round-trip form), empty when unchanged.</summary>
    private static RedisValue Score(double? score) => score is { } value ? value : RedisValue.EmptyString;
}

/// <summary>
/// One section of a <see cref="FlushGroupScript"/> call: a customer's flush, or (<see cref="CustomerKey"/> null,
/// version 0) brand-level signals only.
/// </summary>
internal sealed record FlushSection(
    RedisKey? CustomerKey,
    long Version,
    long? BaseVersion,
    IReadOnlyList<SnapshotField> Fields,
    string Member,
    double? RiskScore,
    double? AdvocacyScore,
    IReadOnlyList<VolumeIncrement> Volume,
    IReadOnlyList<OutboundSignal> Signals,
    RedisKey? TimelineKey,
    IReadOnlyList<byte[]> Timeline,
    WriteFence? Fence)
{
    public static FlushSection Of(CustomerWrite write, BrandKeys brand)
    {
        var (customer, timeline) = brand.CustomerKeys(write.Id);
        return new(customer, write.Version, write.BaseVersion, write.Fields, write.Id.Value, write.RiskScore, write.AdvocacyScore,
            write.Volume, write.Signals, timeline, write.Timeline, write.Fence);
    }

    public static FlushSection SignalsOnly(IReadOnlyList<OutboundSignal> signals) =>
        new(null, 0, null, [], "", null, null, [], signals, null, [], null);

    /// <summary>Whether the call names the customer's timeline: with every customer flush while timelines are kept.</summary>
    public bool HasTimelineKey(RedisStoreOptions options) => CustomerKey is not null && TimelineKey is not null && options.TimelineCapacity > 0;

    /// <summary>How many timeline entries the section writes: none for signals only, or when timelines are off.</summary>
    public int TimelineEntries(RedisStoreOptions options) => HasTimelineKey(options) ? Timeline.Count : 0;

    /// <summary>The ARGV entries the section adds to a call (see <see cref="FlushGroupScript.Source"/>).</summary>
    public int Arguments(RedisStoreOptions options) =>
        6 + 2 * Fields.Count + 4 + 3 * Volume.Count + 1 + 2 * Signals.Count + 1 + TimelineEntries(options);
}
