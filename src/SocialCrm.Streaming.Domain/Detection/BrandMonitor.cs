using System.Buffers;
using System.Globalization;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Domain.Snapshots;

namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// Mentions of one brand in one minute bucket (event time, <see cref="BrandMonitor.MinuteOf"/>) by sentiment
/// class: what the cluster sends per brand per minute from each stream (several messages for the same bucket
/// add up). <see cref="Samples"/> are optional evidence (already redacted); <see cref="LatestEventTime"/> is the
/// latest event time counted (used as detectedAt).
/// </summary>
public sealed record BrandMinuteCounts(string Brand, long MinuteBucket, int Negative, int Neutral, int Positive)
{
    public IReadOnlyList<Evidence>? Samples { get; init; }
    public DateTimeOffset? LatestEventTime { get; init; }
    public int Total => Negative + Neutral + Positive;
}

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
    private const double MinShareStd = 0.05;
    /// <summary>Minutes in the 30 days the false-alarm budget is stated for.</summary>
    public const double MinutesPerMonth = 30 * 24 * 60;
    /// <summary>Standard errors above the baseline's EWMA mean that the calm rate is taken to be (one-sided 99.87 %).</summary>
    private const double BaselineConfidenceZ = 3;
    private const int MaxGapIterations = 24 * 60;
    /// <summary>
    /// Open minutes per brand, whatever minutes arrive: normally a few (the lateness); a record far ahead opens one
    /// that waits for event time to reach it, and beyond this bound the furthest ahead is dropped.
    /// </summary>
    public const int MaxOpenBuckets = 256;
    /// <summary>Per-mention feeding: the brand's event time follows the third-latest of its last 16 mentions (<see cref="RobustWatermark"/>).</summary>
    private const int MentionQuorum = 3;
    private const int MentionWindow = 16;
    private readonly BrandMonitorRules _r;
    private readonly BrandRulesTable _brands;
    /// <summary>ln alpha: each of the three tests spends a third of the budget, spread over the minutes of a month.</summary>
    private readonly double _logAlpha;
    /// <summary>Variance of an EWMA mean relative to the variance of one minute: alpha / (2 - alpha).</summary>
    private readonly double _ewmaVarianceFactor;
    private readonly SortedDictionary<string, BrandState> _states = new(StringComparer.Ordinal);

    public BrandMonitor(RulesOptions rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _r = rules.BrandMonitor;
        _brands = new BrandRulesTable(rules);
        _logAlpha = Math.Log(_r.FalseAlarmsPerMonth / (3 * MinutesPerMonth));
        _ewmaVarianceFactor = _r.BaselineAlpha / (2 - _r.BaselineAlpha);
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
            st.Open[m] = bucket = new Bucket();
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
        Evaluate(st, m, bucket, closing: false, output);
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
                minute = SkipQuiet(st, minute, quietUntil - minute - MaxGapIterations);
            }
            if (st.Open.Remove(minute, out var bucket))
            {
                Evaluate(st, minute, bucket, closing: true, output);
                UpdateBaseline(st, bucket);
            }
            else if (st.Started)
            {
                UpdateBaseline(st, Bucket.Empty);
            }
            RememberBaseline(st, minute);
            // A bucket whose reference baseline only now exists gets the early check it could not have before.
            if (st.Open.TryGetValue(minute + _r.AllowedLatenessMinutes + 1, out var waiting))
            {
                Evaluate(st, minute + _r.AllowedLatenessMinutes + 1, waiting, closing: false, output);
            }
            if (st.Open.Count == 0 && minute < target && !st.Started)
            {
                minute = target - 1;
            }
        }
        st.LastClosed = target;
    }

    /// <summary>Skips <paramref name="skip"/> empty minutes from <paramref name="minute"/> on; returns the minute after them.</summary>
    private long SkipQuiet(BrandState st, long minute, long skip)
    {
        if (st.Started)
        {
            var keep = Math.Pow(1 - _r.BaselineAlpha, Math.Min(skip, 100_000));
            st.MeanNegative *= keep;
            st.VarNegative *= keep;
            st.Buckets += skip;
        }
        // The minutes remembered before the gap are no minute's reference any more.
        st.History.Clear();
        return minute + skip;
    }

    /// <summary>
    /// The negative-volume baseline after each recently closed minute. Minute m is always judged against the
    /// baseline after minute m - lateness - 1, however far event time has moved when its counts arrive, so a
    /// replay and a live cluster (whose baselines close at different moments) reach the same decisions.
    /// </summary>
    private void RememberBaseline(BrandState st, long minute)
    {
        if (st.Started)
        {
            st.History[minute] = new VolumeBaseline(st.MeanNegative, st.VarNegative, st.Buckets);
        }
        st.History.Remove(minute - _r.AllowedLatenessMinutes - 3);
    }

    private void UpdateBaseline(BrandState st, Bucket b)
    {
        var a = _r.BaselineAlpha;
        if (!st.Started)
        {
            st.Started = true;
            st.MeanNegative = b.Negative;
            st.VarNegative = 0;
            st.Buckets = 1;
        }
        else
        {
            var diff = b.Negative - st.MeanNegative;
            var increment = a * diff;
            st.MeanNegative += increment;
            st.VarNegative = (1 - a) * (st.VarNegative + diff * increment);
            st.Buckets++;
        }
        var total = b.Total;
        if (total >= 5)
        {
            // A running mean until 1 / ShareBaselineAlpha minutes, then an EWMA: slow, so a crisis building over minutes is not learnt as calm.
            var shareAlpha = ShareAlpha(st.ShareBuckets + 1);
            var share = (double)b.Negative / total;
            if (st.ShareBuckets == 0)
            {
                st.MeanShare = share;
                st.VarShare = 0;
            }
            else
            {
                var diff = share - st.MeanShare;
                var increment = shareAlpha * diff;
                st.MeanShare += increment;
                st.VarShare = (1 - shareAlpha) * (st.VarShare + diff * increment);
            }
            st.ShareBuckets++;
        }
    }

    private double ShareAlpha(long buckets) => Math.Max(_r.ShareBaselineAlpha, 1.0 / Math.Max(buckets, 1));

    private void Evaluate(BrandState st, long minute, Bucket b, bool closing, ICollection<DomainSignal> output)
    {
        var brand = _brands.For(st.Brand);
        var cooldown = (long)Math.Ceiling(_r.CooldownMinutes);
        if (!b.VolumeFired && b.Negative >= brand.VolumeMinNegative
            && st.History.TryGetValue(minute - _r.AllowedLatenessMinutes - 1, out var baseline) && baseline.Buckets >= _r.MinBaselineBuckets
            && (st.LastVolumeAlert == long.MinValue || minute - st.LastVolumeAlert >= cooldown))
        {
            var std = Math.Max(Math.Sqrt(baseline.Variance), Math.Sqrt(Math.Max(baseline.Mean, 1)));
            var z = (b.Negative - baseline.Mean) / std;
            // The calm rate: the baseline's upper confidence limit (its standard error from the larger of the observed and the Poisson variance).
            var calmRate = Math.Max(1, baseline.Mean + BaselineConfidenceZ * Math.Sqrt(Math.Max(baseline.Variance, baseline.Mean) * _ewmaVarianceFactor));
            var logTail = TailBound.LogPoisson(b.Negative, calmRate);
            if (z >= brand.VolumeZThreshold && b.Negative >= _r.VolumeMinRatio * Math.Max(baseline.Mean, 1) && logTail <= _logAlpha)
            {
                b.VolumeFired = true;
                st.LastVolumeAlert = minute;
                output.Add(VolumeSpike(st, minute, b, baseline.Mean, z, brand.VolumeZThreshold, logTail));
            }
        }
        if (closing && !b.ShiftFired && st.ShareBuckets >= _r.MinBaselineBuckets)
        {
            EvaluateShift(st, minute, b, cooldown, output);
        }
    }

    /// <summary>The smallest calm negative share the share tests assume (a brand with no negative mention yet).</summary>
    private const double MinCalmShare = 0.01;

    /// <summary>The share tests, when a bucket closes: one minute alone (Chernoff), and the CUSUM over the minutes so far.</summary>
    private void EvaluateShift(BrandState st, long minute, Bucket b, long cooldown, ICollection<DomainSignal> output)
    {
        var total = b.Total;
        // The calm share: the baseline's upper confidence limit; a shift is a rise of at least ShiftMinIncrease above it.
        // (The variance of the mean is at most alpha x the variance of one minute, for the running mean and the EWMA alike.)
        // At least MinCalmShare: against a baseline of no negatives at all, one negative mention would be infinite evidence.
        var upperLimit = st.MeanShare + BaselineConfidenceZ * Math.Sqrt(Math.Max(0, st.VarShare) * ShareAlpha(st.ShareBuckets));
        var calmShare = double.IsFinite(upperLimit) ? Math.Clamp(upperLimit, MinCalmShare, 0.99) : MinCalmShare;
        var shiftedShare = Math.Min(0.995, calmShare + _r.ShiftMinIncrease);
        if (shiftedShare > calmShare && total > 0)
        {
            var step = b.Negative * Math.Log(shiftedShare / calmShare) + (total - b.Negative) * Math.Log((1 - shiftedShare) / (1 - calmShare));
            st.ShareCusum = Math.Max(0, st.ShareCusum + step);
        }
        if (total == 0 || (st.LastShiftAlert != long.MinValue && minute - st.LastShiftAlert < cooldown))
        {
            return;
        }
        var share = (double)b.Negative / total;
        var z = (share - st.MeanShare) / Math.Max(Math.Sqrt(st.VarShare), MinShareStd);
        var logTail = TailBound.LogBinomial(b.Negative, total, shiftedShare);
        var oneMinute = total >= _r.ShiftMinTotal && z >= _r.ShiftZThreshold && logTail <= _logAlpha;
        var accumulated = st.ShareCusum >= -_logAlpha;
        if (share >= _r.ShiftMinNegativeShare && (oneMinute || accumulated))
        {
            b.ShiftFired = true;
            st.LastShiftAlert = minute;
            output.Add(SentimentShift(st, minute, b, share, z, oneMinute
                ? TailReason(logTail)
                : $"accumulated evidence (CUSUM) {N(st.ShareCusum, "0.0")} >= {N(-_logAlpha, "0.0")} (average run length on calm traffic >= {N(Math.Exp(-_logAlpha), "0")} minutes)"));
            st.ShareCusum = 0;
        }
    }

    /// <summary>The calm-traffic tail bound as a reason: "p <= 1e-9" style, against the per-minute alpha.</summary>
    private string TailReason(double logTail) =>
        $"calm-traffic probability <= {N(Math.Exp(logTail), "0.#E+0")} (budget {N(Math.Exp(_logAlpha), "0.#E+0")} a minute)";

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private CrisisAlert VolumeSpike(BrandState st, long minute, Bucket b, double baselineMean, double z, double threshold, double logTail)
    {
        var severity = Math.Clamp(_r.VolumeSeverity + (z >= 2 * threshold ? 1 : 0) + (z >= 4 * threshold ? 1 : 0), 1, 10);
        var ratio = b.Negative / Math.Max(baselineMean, 1);
        return new CrisisAlert
        {
            Id = SignalIds.ForAlert(CrisisKind.VolumeSpike.ToWire(), st.Brand, N(minute, "0")),
            Kind = CrisisKind.VolumeSpike,
            Brand = st.Brand,
            Severity = severity,
            Priority = SignalNames.FromSeverity(severity),
            Summary = $"Negative mentions of {st.Brand} rose to {b.Negative} in one minute, {N(ratio, "0.0")} times the usual rate.",
            Reasons = [$"negative volume {b.Negative} in 1 min, baseline {N(baselineMean, "0.0")}", $"z-score {N(z, "0.0")} >= {N(threshold, "0.##")}", TailReason(logTail)],
            Evidence = [.. b.Samples],
            EventTime = StartOf(minute),
            DetectedAt = new DateTimeOffset(Math.Max(st.LatestTicks, StartOf(minute).UtcTicks), TimeSpan.Zero),
        };
    }

    private CrisisAlert SentimentShift(BrandState st, long minute, Bucket b, double share, double z, string evidence)
    {
        var severity = Math.Clamp(_r.ShiftSeverity + (share >= 0.8 ? 1 : 0), 1, 10);
        return new CrisisAlert
        {
            Id = SignalIds.ForAlert(CrisisKind.SentimentShift.ToWire(), st.Brand, N(minute, "0")),
            Kind = CrisisKind.SentimentShift,
            Brand = st.Brand,
            Severity = severity,
            Priority = SignalNames.FromSeverity(severity),
            Summary = $"Sentiment about {st.Brand} turned negative: {N(share * 100, "0")}% of {b.Total} mentions in one minute were negative, usually {N(st.MeanShare * 100, "0")}%.",
            Reasons = [$"negative share {N(share, "0.00")}, baseline {N(st.MeanShare, "0.00")}", $"z-score {N(z, "0.0")}", evidence],
            Evidence = [.. b.Samples],
            EventTime = StartOf(minute),
            DetectedAt = new DateTimeOffset(Math.Max(st.LatestTicks, StartOf(minute).UtcTicks), TimeSpan.Zero),
        };
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
            w.WriteStartObject();
            w.WriteString("brand", st.Brand);
            w.WriteBoolean("begun", st.Begun);
            w.WriteStartArray("arrivals");
            foreach (var minute in st.Arrivals.Recent)
            {
                w.WriteNumberValue(minute);
            }
            w.WriteEndArray();
            w.WriteNumber("arrivalsWatermark", st.Arrivals.Current);
            w.WriteNumber("lastClosed", st.LastClosed);
            w.WriteNumber("watermark", st.Watermark);
            w.WriteNumber("latestTicks", st.LatestTicks);
            w.WriteBoolean("started", st.Started);
            w.WriteNumber("meanNegative", st.MeanNegative);
            w.WriteNumber("varNegative", st.VarNegative);
            w.WriteNumber("buckets", st.Buckets);
            w.WriteNumber("meanShare", st.MeanShare);
            w.WriteNumber("varShare", st.VarShare);
            w.WriteNumber("shareBuckets", st.ShareBuckets);
            w.WriteNumber("shareCusum", st.ShareCusum);
            w.WriteNumber("lastVolumeAlert", st.LastVolumeAlert);
            w.WriteNumber("lastShiftAlert", st.LastShiftAlert);
            w.WriteStartArray("history");
            foreach (var (minute, baseline) in st.History.OrderBy(h => h.Key))
            {
                w.WriteStartObject();
                w.WriteNumber("minute", minute);
                w.WriteNumber("mean", baseline.Mean);
                w.WriteNumber("variance", baseline.Variance);
                w.WriteNumber("buckets", baseline.Buckets);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("open");
            foreach (var (minute, b) in st.Open)
            {
                w.WriteStartObject();
                w.WriteNumber("minute", minute);
                w.WriteNumber("negative", b.Negative);
                w.WriteNumber("neutral", b.Neutral);
                w.WriteNumber("positive", b.Positive);
                w.WriteBoolean("volumeFired", b.VolumeFired);
                w.WriteBoolean("shiftFired", b.ShiftFired);
                w.WriteStartArray("samples");
                foreach (var e in b.Samples)
                {
                    w.WriteStartObject();
                    w.WriteString("mentionId", e.MentionId);
                    w.WriteString("platform", e.Platform);
                    w.WriteString("excerpt", e.Excerpt);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
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
            var st = new BrandState(e.RequiredString("brand"))
            {
                // States saved before brands began at their first watermark had always begun.
                Begun = !e.TryGetProperty("begun", out var begun) || begun.GetBoolean(),
                LastClosed = e.GetProperty("lastClosed").GetInt64(),
                Watermark = e.GetProperty("watermark").GetInt64(),
                LatestTicks = e.GetProperty("latestTicks").GetInt64(),
                Started = e.GetProperty("started").GetBoolean(),
                MeanNegative = e.GetProperty("meanNegative").GetDouble(),
                VarNegative = e.GetProperty("varNegative").GetDouble(),
                Buckets = e.GetProperty("buckets").GetInt64(),
                MeanShare = e.GetProperty("meanShare").GetDouble(),
                VarShare = e.GetProperty("varShare").GetDouble(),
                ShareBuckets = e.GetProperty("shareBuckets").GetInt64(),
                // States saved before the share CUSUM existed start it at zero.
                ShareCusum = e.TryGetProperty("shareCusum", out var cusum) ? cusum.GetDouble() : 0,
                LastVolumeAlert = e.GetProperty("lastVolumeAlert").GetInt64(),
                LastShiftAlert = e.GetProperty("lastShiftAlert").GetInt64(),
            };
            if (e.TryGetProperty("arrivals", out var arrivals))
            {
                st.Arrivals.Restore(arrivals.EnumerateArray().Select(a => a.GetInt64()).ToList(), e.GetProperty("arrivalsWatermark").GetInt64());
            }
            foreach (var h in e.GetProperty("history").EnumerateArray())
            {
                st.History[h.GetProperty("minute").GetInt64()] = new VolumeBaseline(
                    h.GetProperty("mean").GetDouble(), h.GetProperty("variance").GetDouble(), h.GetProperty("buckets").GetInt64());
            }
            foreach (var o in e.GetProperty("open").EnumerateArray())
            {
                var b = new Bucket
                {
                    Negative = o.GetProperty("negative").GetInt32(),
                    Neutral = o.GetProperty("neutral").GetInt32(),
                    Positive = o.GetProperty("positive").GetInt32(),
                    VolumeFired = o.GetProperty("volumeFired").GetBoolean(),
                    ShiftFired = o.GetProperty("shiftFired").GetBoolean(),
                };
                foreach (var s in o.GetProperty("samples").EnumerateArray())
                {
                    b.Samples.Add(new Evidence(s.RequiredString("mentionId"), s.RequiredString("platform"), s.RequiredString("excerpt")));
                }
                st.Open[o.GetProperty("minute").GetInt64()] = b;
            }
            _states[st.Brand] = st;
        }
    }

    public void ImportState(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json.ToArray());
        ImportState(document.RootElement);
    }

    private sealed class BrandState(string brand)
    {
        public string Brand { get; } = brand;
        /// <summary>False until the first watermark: nothing is late or closed before it (<see cref="Begin"/>).</summary>
        public bool Begun;
        public long LastClosed = long.MinValue;
        public long Watermark = long.MinValue;
        public readonly RobustWatermark Arrivals = new(MentionQuorum, MentionWindow);
        public long LatestTicks;
        public bool Started;
        public double MeanNegative;
        public double VarNegative;
        public long Buckets;
        public double MeanShare;
        public double VarShare;
        public long ShareBuckets;
        /// <summary>The share CUSUM: log-likelihood ratio of "shifted" against "calm", accumulated over closed minutes, floored at 0.</summary>
        public double ShareCusum;
        public long LastVolumeAlert = long.MinValue;
        public long LastShiftAlert = long.MinValue;
        public readonly SortedDictionary<long, Bucket> Open = [];
        public readonly Dictionary<long, VolumeBaseline> History = [];
    }

    private readonly record struct VolumeBaseline(double Mean, double Variance, long Buckets);

    private sealed class Bucket
    {
        public static readonly Bucket Empty = new();
        public int Negative;
        public int Neutral;
        public int Positive;
        public bool VolumeFired;
        public bool ShiftFired;
        public readonly List<Evidence> Samples = [];
        public int Total => Negative + Neutral + Positive;
    }
}
