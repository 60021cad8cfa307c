using SocialCrm.Streaming.Domain.Ports;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.State;

/// <summary>
/// Group commit of customer flushes: the flushes that arrive while earlier groups are in flight wait and then go
/// out together, as one <see cref="FlushGroupScript"/> call per brand (one slot on a Redis Cluster), the calls
/// pipelined on the one connection. Lightly loaded, a flush goes out at once, alone; loaded, one call carries many
/// customers' flushes of a partition batch, so the per-call cost of the server (parsing, the script's start, the
/// shared keys' expiry) is paid once for all of them. A customer whose own keys the script cannot use fails alone.
/// </summary>
/// <param name="keyReplaced">Told each key of a brand that the script replaced: a shared key of another type, or a fence no claim wrote.</param>
internal sealed class CustomerWriteGroups(
    IConnectionMultiplexer connection, RedisKeys keys, RedisStoreOptions options, Action<int> callWritten, Action<string> keyReplaced)
{
    /// <summary>Flushes taken per group: bounds the memory of one round of calls.</summary>
    private const int MaxFlushesPerGroup = 1_024;

    /// <summary>
    /// Flushes per call: bounds how long one script holds the server, which serves nothing else meanwhile (and a call's
    /// arguments bound it too: <see cref="FlushGroupScript.MaxArguments"/>).
    /// </summary>
    private const int MaxSectionsPerCall = 128;

    /// <summary>Groups in flight at once: while they are, further flushes gather into the next group.</summary>
    private const int MaxGroupsInFlight = 2;

    private readonly object _gate = new();
    private List<PendingFlush> _queued = [];
    private int _groupsInFlight;

    /// <summary>Queues the flush; its outcome is told once its call answered (see <see cref="ICustomerStore.Write"/>).</summary>
    public void Write(CustomerWrite write, IWriteOutcome outcome)
    {
        PendingFlush pending;
        try
        {
            // Sized here, so a flush that cannot be sized fails alone rather than the group it would join.
            var brand = keys.ForBrand(write.Id.BrandSpan);
            var section = FlushSection.Of(write, brand);
            pending = new PendingFlush(brand, section, section.Arguments(options), outcome);
        }
        catch (Exception ex)
        {
            outcome.Failed(ex);
            return;
        }
        bool startGroup;
        lock (_gate)
        {
            _queued.Add(pending);
            startGroup = _groupsInFlight < MaxGroupsInFlight;
            if (startGroup)
            {
                _groupsInFlight++;
            }
        }
        if (startGroup)
        {
            // Started on the caller's thread, which only builds the call and hands it to the connection (no hop to another
            // thread first: at light load that hop was most of a flush's added latency); later groups go on where calls complete.
            _ = WriteGroupsAsync();
        }
    }

    /// <summary>Writes signals not tied to one customer (a brand's), one call per brand.</summary>
    public async Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals)
    {
        foreach (var brand in signals.GroupBy(s => s.Brand))
        {
            await CallAsync(keys.ForBrand(brand.Key), [FlushSection.SignalsOnly([.. brand])]).ConfigureAwait(false);
        }
    }

    private async Task WriteGroupsAsync()
    {
        while (true)
        {
            List<PendingFlush> group;
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _groupsInFlight--;
                    return;
                }
                if (_queued.Count <= MaxFlushesPerGroup)
                {
                    group = _queued;
                    _queued = [];
                }
                else
                {
                    group = _queued.GetRange(0, MaxFlushesPerGroup);
                    _queued.RemoveRange(0, MaxFlushesPerGroup);
                }
            }
            try
            {
                await WriteGroupAsync(group).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Never leave a flush unanswered, nor this loop dead with its place among the groups in flight taken.
                foreach (var flush in group)
                {
                    flush.Failed(ex);
                }
            }
        }
    }

    private async Task WriteGroupAsync(List<PendingFlush> group)
    {
        var calls = new List<Task>();
        foreach (var brand in group.GroupBy(flush => flush.Brand))
        {
            foreach (var call in CallsOf(brand))
            {
                calls.Add(WriteCallAsync(brand.Key, call));
            }
        }
        // Each call completes its own flushes and never throws: awaiting them all only paces the next group.
        await Task.WhenAll(calls).ConfigureAwait(false);
    }

    /// <summary>One brand's flushes, in order, as calls of at most <see cref="MaxSectionsPerCall"/> flushes and <see cref="FlushGroupScript.MaxArguments"/> arguments.</summary>
    private IEnumerable<PendingFlush[]> CallsOf(IEnumerable<PendingFlush> brandFlushes)
    {
        var call = new List<PendingFlush>();
        var arguments = FlushGroupScript.HeaderLength;
        foreach (var flush in brandFlushes)
        {
            var size = flush.Arguments;
            if (call.Count == MaxSectionsPerCall || (call.Count > 0 && arguments + size > FlushGroupScript.MaxArguments))
            {
                yield return [.. call];
                call.Clear();
                arguments = FlushGroupScript.HeaderLength;
            }
            call.Add(flush);
            arguments += size;
        }
        if (call.Count > 0)
        {
            yield return [.. call];
        }
    }

    private async Task WriteCallAsync(BrandKeys brand, PendingFlush[] flushes)
    {
        try
        {
            var results = await CallAsync(brand, [.. flushes.Select(f => f.Section)]).ConfigureAwait(false);
            for (var i = 0; i < flushes.Length; i++)
            {
                switch (results[i])
                {
                    case SectionResult.Applied:
                        flushes[i].Applied();
                        break;
                    case SectionResult.Stale:
                        flushes[i].Stale();
                        break;
                    case SectionResult.Refused:
                        flushes[i].Failed(new StoreRefusedException(
                            "Redis refused the customer's flush: a key of the customer holds another type", new InvalidDataException("the flush script refused the section (-1)")));
                        break;
                }
            }
            callWritten(flushes.Length);
        }
        catch (Exception ex)
        {
            // The whole call failed: the server (retried while it lasts) or the brand's shared keys (refused for each).
            foreach (var flush in flushes)
            {
                flush.Failed(ex);
            }
        }
    }

    private async Task<SectionResult[]> CallAsync(BrandKeys brand, IReadOnlyList<FlushSection> sections)
    {
        var call = FlushGroupScript.Build(brand, sections, options, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        RedisResult[] answers;
        try
        {
            // Sends EVALSHA and falls back to EVAL on NOSCRIPT (a restarted server), as ScriptEvaluateAsync does; the
            // client copies the arguments into a buffer of its own when the call is made, so a call it sends again later
            // (a retry after a reconnect) never reads the pooled arrays after they were returned.
            using var reply = await RedisRefusals.RefusedAsStoreErrorAsync(
                connection.GetDatabase().ScriptEvaluateRespAsync(FlushGroupScript.Source, call.Keys, call.Args), "the customers' flush").ConfigureAwait(false);
            answers = (RedisResult[])reply.Read().ReadRedisResult()!;
        }
        finally
        {
            call.Return();
        }
        if (answers.Length < sections.Count)
        {
            throw new InvalidOperationException($"the flush script answered {answers.Length} results for {sections.Count} sections");
        }
        for (var i = sections.Count; i < answers.Length; i++)
        {
            keyReplaced((string)answers[i]!);
        }
        var results = new SectionResult[sections.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = (long)answers[i] switch
            {
                1 => SectionResult.Applied,
                0 => SectionResult.Stale,
                -1 => SectionResult.Refused,
                var other => throw new InvalidOperationException($"the flush script answered {other} for a section"),
            };
        }
        return results;
    }

    private enum SectionResult { Applied, Stale, Refused }

    /// <summary>A queued flush, whose outcome is told once: a failure after it was told (of the call, or of the group) tells it nothing more.</summary>
    private sealed class PendingFlush(BrandKeys brand, FlushSection section, int arguments, IWriteOutcome outcome)
    {
        private int _told;

        public BrandKeys Brand { get; } = brand;
        public FlushSection Section { get; } = section;
        public int Arguments { get; } = arguments;

        public void Applied()
        {
            if (TakeTurn())
            {
                outcome.Applied();
            }
        }

        public void Stale()
        {
            if (TakeTurn())
            {
                outcome.Stale();
            }
        }

        public void Failed(Exception cause)
        {
            if (TakeTurn())
            {
                outcome.Failed(cause);
            }
        }

        private bool TakeTurn() => Interlocked.Exchange(ref _told, 1) == 0;
    }
}
