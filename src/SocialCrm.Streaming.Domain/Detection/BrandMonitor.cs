using System.Buffers;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// Brand-level crisis detection: a volume spike of negative mentions and a shift of the negative share,
/// each against a rolling baseline (EWMA of mean and variance per minute bucket, minimum volume, warm-up).
/// <para>
/// False alarms are budgeted, not tuned: <see cref="BrandMonitorRules.FalseAlarmsPerMonth"/> (default 1 per brand
/// per 30 days) is split over three tests and the 43,200 minutes of a month, so each test may fire on a calm minute
/// with probability at most alpha = budget / 129,600. The one-minute tests fire only when a Chernoff bound on the calm
/// tail (<see cref="TailBound"/>: Poisson for the negative count, binomial for the negative share) is at most alpha; the
/// bound holds at every count, so the budget holds from 5 to 5,000 mentions a minute. The third, a CUSUM of the
/// binomial log-likelihood ratio of the share (calm share against calm share + <see cref="BrandMonitorRules.ShiftMinIncrease"/>),
/// accumulates a shift too small for one minute (a slowly building crisis, or low volume) and alarms at ln(1 / alpha):
/// its average run length on calm traffic is at least 1 / alpha minutes (the likelihood ratio is a supermartingale
/// while the true share is at most the calm one). The calm rate the tests use
/// is the baseline's upper confidence limit (mean + 3 standard errors of the EWMA), so a baseline that
/// underestimates does not spend the budget; the share test also adds a minimum material rise
/// (<see cref="BrandMonitorRules.ShiftMinIncrease"/>). The z-score thresholds stay as a guard against calm traffic
/// more variable than Poisson or binomial. A volume test looked at early (while the bucket fills) spends no extra
/// budget: the count only grows, so "the partial count ever crosses" is "the final count crosses".
/// </para>
/// Late counts are accepted until event time passes the bucket's end by the allowed lateness;
/// a bucket is evaluated when it closes, or early, as soon as its negative count already passes the volume test (so the
/// alert comes within the bucket that spiked). One alert per brand and kind per cool-down. Event time is untrusted: fed per
/// mention it follows the bulk of the brand's mentions (<see cref="RobustWatermark"/>), a brand begins at its first
/// watermark (not at a record from the far past), and open minutes are bounded (<see cref="MaxOpenBuckets"/>). Not thread-safe: one
/// owner (an actor, or the replay engine). Alert ids hash rule, brand and bucket, so a replay yields the same ids.
/// </summary>
public sealed class BrandMonitor
{
    /// <summary>Minutes in the 30 days the false-alarm budget is stated for.</summary>
    public const double MinutesPerMonth = 30 * 24 * 60;
    private const int MaxGapIterations = 24 * 60;
    /// <summary>
    /// Open minutes per brand, whatever minutes arrive: normally a few (the lateness); a record far ahead opens one
    /// that waits for event time to reach it, and beyond this bound the furthest ahead is dropped.
    /// </summary>
    public const int MaxOpenBuckets = 256;
    private readonly BrandMonitorRules _r;
    private readonly BrandCrisisDetector _detector;
    private readonly SortedDictionary<string, BrandState> _states = new(StringComparer.Ordinal);

    public BrandMonitor(RulesOptions rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _r = rules.BrandMonitor;
        _detector = new BrandCrisisDetector(rules);
    }

    /// <summary>Counts dropped because their bucket had already closed (later than the allowed lateness).</summary>
    public long LateDropped { get; private set; }

    public static long MinuteOf(DateTimeOffset time) => Math.DivRem(time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, TimeSpan.TicksPerMinute, out var rem) - (rem < 0 ? 1 : 0);

    public static DateTimeOffset StartOf(long minute) => DateTimeOffset.UnixEpoch.AddMinutes(minute);

    /// <summary>
    /// Pre-aggregated counts, trusted to be the bulk of their stream (the sender follows it robustly): event time
    /// advances to their minute.
    /// </summary>
    public void Observe(BrandMinuteCounts counts, ICollection<DomainSignal> output)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (Add(counts, output) is { } st)
        {
            Advance(st, counts.MinuteBucket, output);
        }
    }

    /// <summary>
    /// A batch of one brand's minutes from one sender, with the sender's low watermark: the minute up to which it
    /// has seen all of its inputs. Every count is added first (early alerts still fire), then event time advances
    /// to the watermark, not to the newest minute, so a sender catching up on one input ahead of another does not
    /// close minutes the slower one is still counting.
    /// </summary>
    public void Observe(IReadOnlyList<BrandMinuteCounts> minutes, long watermark, ICollection<DomainSignal> output)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        foreach (var counts in minutes)
        {
            Add(counts, output);
        }
        foreach (var brand in minutes.Select(m => m.Brand).Distinct())
        {
            Advance(_states[brand], watermark, output);
        }
    }

    /// <summary>Adds counts to their open bucket and evaluates it early; null when the bucket is already closed (late).</summary>
    private BrandState? Add(BrandMinuteCounts counts, ICollection<DomainSignal> output)
    {
        var st = State(counts.Brand);
        var m = counts.MinuteBucket;
        if (m <= st.LastClosed)
        {
            LateDropped++;
            return null;
        }
        if (!st.Open.TryGetValue(m, out var bucket))
        {
            if (st.Open.Count >= MaxOpenBuckets)
            {
                var furthest = st.Open.Keys.Last();
                if (m > furthest)
                {
                    return st;
                }
                st.Open.Remove(furthest);
            }
            st.Open[m] = bucket = new BrandBucket();
        }
        bucket.Negative += counts.Negative;
        bucket.Neutral += counts.Neutral;
        bucket.Positive += counts.Positive;
        if (counts.Samples is { } samples)
        {
            foreach (var sample in samples)
            {
                if (bucket.Samples.Count >= _r.MaxSamples) break;
                bucket.Samples.Add(sample);
            }
        }
        var eventTicks = counts.LatestEventTime?.UtcTicks ?? StartOf(m).UtcTicks;
        st.LatestTicks = Math.Max(st.LatestTicks, eventTicks);
        _detector.Evaluate(st, m, bucket, closing: false, output);
        return st;
    }

    private void Advance(BrandState st, long watermark, ICollection<DomainSignal> output)
    {
        if (watermark == long.MinValue)
        {
            return;
        }
        if (!st.Begun)
        {
            Begin(st, watermark);
        }
        st.Watermark = Math.Max(st.Watermark, watermark);
        CloseUpTo(st, st.Watermark - _r.AllowedLatenessMinutes - 1, output);
    }

    /// <summary>
    /// A brand's minutes begin at its first watermark, with the minutes already open: at the oldest open one, but not
    /// more than a day before the watermark (a record from the far past cannot make the brand begin there).
    /// </summary>
    private void Begin(BrandState st, long watermark)
    {
        var oldest = st.Open.Count > 0 ? st.Open.Keys.First() : watermark;
        st.LastClosed = Math.Max(Math.Min(oldest, watermark), watermark - MaxGapIterations) - _r.AllowedLatenessMinutes - 1;
        st.Watermark = watermark;
        st.Begun = true;
        foreach (var stale in st.Open.Keys.TakeWhile(m => m <= st.LastClosed).ToList())
        {
            st.Open.Remove(stale);
            LateDropped++;
        }
    }

    /// <summary>Pre-aggregated counts of one brand and minute bucket (see <see cref="BrandMinuteCounts"/>).</summary>
    public void Observe(string brand, long minuteBucket, int negative, int neutral, int positive, ICollection<DomainSignal> output,
        IReadOnlyList<Evidence>? samples = null, DateTimeOffset? latestEventTime = null) =>
        Observe(new BrandMinuteCounts(brand, minuteBucket, negative, neutral, positive) { Samples = samples, LatestEventTime = latestEventTime }, output);

    /// <summary>
    /// Per-mention feeding (replay): one count in the mention's minute, a negative one as evidence sample. Event time
    /// follows the bulk of the brand's mentions (<see cref="RobustWatermark"/>): a few far ahead of the rest neither
    /// close minutes nor move the watermark.
    /// </summary>
    public void Observe(Mention mention, MentionAnalysis analysis, ICollection<DomainSignal> output, bool withText = true)
    {
        var minute = MinuteOf(mention.CreatedAt);
        IReadOnlyList<Evidence>? samples = null;
        if (analysis.Class == SentimentClass.Negative && NeedsSample(mention.Brand, minute))
        {
            samples = [new Evidence(mention.Id, mention.Platform.ToWire(), withText ? Excerpts.Make(mention.Text) : Excerpts.Withheld)];
        }
        var st = Add(new BrandMinuteCounts(mention.Brand, minute,
            analysis.Class == SentimentClass.Negative ? 1 : 0,
            analysis.Class == SentimentClass.Neutral ? 1 : 0,
            analysis.Class == SentimentClass.Positive ? 1 : 0)
        {
            Samples = samples,
            LatestEventTime = mention.CreatedAt,
        }, output) ?? State(mention.Brand);
        st.Arrivals.Observe(minute);
        Advance(st, st.Arrivals.Current, output);
    }

    /// <summary>Whether the bucket would keep another evidence sample (so callers can skip building one).</summary>
    public bool NeedsSample(string brand, long minute) =>
        _r.MaxSamples > 0 && (!_states.TryGetValue(brand, out var st) || (minute > st.LastClosed && (!st.Open.TryGetValue(minute, out var b) || b.Samples.Count < _r.MaxSamples)));

    /// <summary>Moves event time forward for every brand without counts (an idle tick): closes buckets that are due.</summary>
    public void AdvanceTo(long minute, ICollection<DomainSignal> output)
    {
        foreach (var st in _states.Values)
        {
            Advance(st, minute, output);
        }
    }

    /// <summary>End of input: closes every open bucket, ignoring the allowed lateness.</summary>
    public void Flush(ICollection<DomainSignal> output)
    {
        foreach (var st in _states.Values.Where(st => st.Begun))
        {
            CloseUpTo(st, st.Watermark, output);
        }
    }

    private BrandState State(string brand)
    {
        if (!_states.TryGetValue(brand, out var st))
        {
            _states[brand] = st = new BrandState(brand);
        }
        return st;
    }

    private void CloseUpTo(BrandState st, long target, ICollection<DomainSignal> output)
    {
        if (target <= st.LastClosed)
        {
            return;
        }
        for (var minute = st.LastClosed + 1; minute <= target; minute++)
        {
            // A long quiet stretch (no open minute in it): the baseline of empty minutes converges; skip its far past in one step.
            var quietUntil = Math.Min(target, st.Open.Count > 0 ? st.Open.Keys.First() - 1 : target);
            if (quietUntil - minute > MaxGapIterations)
            {
                minute = st.SkipQuiet(minute, quietUntil - minute - MaxGapIterations, _r);
            }
            if (st.Open.Remove(minute, out var bucket))
            {
                _detector.Evaluate(st, minute, bucket, closing: true, output);
                st.UpdateBaseline(bucket, _r);
            }
            else if (st.Started)
            {
                st.UpdateBaseline(BrandBucket.Empty, _r);
            }
            st.RememberBaseline(minute, _r);
            // A bucket whose reference baseline only now exists gets the early check it could not have before.
            if (st.Open.TryGetValue(minute + _r.AllowedLatenessMinutes + 1, out var waiting))
            {
                _detector.Evaluate(st, minute + _r.AllowedLatenessMinutes + 1, waiting, closing: false, output);
            }
            if (st.Open.Count == 0 && minute < target && !st.Started)
            {
                minute = target - 1;
            }
        }
        st.LastClosed = target;
    }

    // ---- state carry-over ----

    /// <summary>All brand states as UTF-8 JSON (deterministic: brands and buckets in order, round-trip numbers).</summary>
    public byte[] ExportState()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteState(w);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public void WriteState(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("lateDropped", LateDropped);
        w.WriteStartArray("brands");
        foreach (var st in _states.Values)
        {
            BrandStateJson.Write(w, st);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Replaces all state with what <see cref="ExportState"/> wrote.</summary>
    public void ImportState(JsonElement root)
    {
        _states.Clear();
        LateDropped = root.GetProperty("lateDropped").GetInt64();
        foreach (var e in root.GetProperty("brands").EnumerateArray())
        {
            var st = BrandStateJson.Read(e);
            _states[st.Brand] = st;
        }
    }

    public void ImportState(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json.ToArray());
        ImportState(document.RootElement);
    }
}
