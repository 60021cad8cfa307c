using System.Globalization;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// The crisis tests <see cref="BrandMonitor"/> runs on a minute bucket, and the alerts they raise: the volume spike
/// (early, while the bucket fills, and when it closes) and the sentiment shift (when it closes), each within its
/// share of the false-alarm budget (see <see cref="BrandMonitor"/>).
/// </summary>
internal sealed class BrandCrisisDetector
{
    private const double MinShareStd = 0.05;
    /// <summary>Standard errors above the baseline's EWMA mean that the calm rate is taken to be (one-sided 99.87 %).</summary>
    private const double BaselineConfidenceZ = 3;
    /// <summary>The smallest calm negative share the share tests assume (a brand with no negative mention yet).</summary>
    private const double MinCalmShare = 0.01;
    private readonly BrandMonitorRules _r;
    private readonly BrandRulesTable _brands;
    /// <summary>ln alpha: each of the three tests spends a third of the budget, spread over the minutes of a month.</summary>
    private readonly double _logAlpha;
    /// <summary>Variance of an EWMA mean relative to the variance of one minute: alpha / (2 - alpha).</summary>
    private readonly double _ewmaVarianceFactor;

    public BrandCrisisDetector(RulesOptions rules)
    {
        _r = rules.BrandMonitor;
        _brands = new BrandRulesTable(rules);
        _logAlpha = Math.Log(_r.FalseAlarmsPerMonth / (3 * BrandMonitor.MinutesPerMonth));
        _ewmaVarianceFactor = _r.BaselineAlpha / (2 - _r.BaselineAlpha);
    }

    /// <summary>The volume test, early or when the bucket closes; the share tests only when it closes (<paramref name="closing"/>).</summary>
    public void Evaluate(BrandState st, long minute, BrandBucket b, bool closing, ICollection<DomainSignal> output)
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

    /// <summary>The share tests, when a bucket closes: one minute alone (Chernoff), and the CUSUM over the minutes so far.</summary>
    private void EvaluateShift(BrandState st, long minute, BrandBucket b, long cooldown, ICollection<DomainSignal> output)
    {
        var total = b.Total;
        // The calm share: the baseline's upper confidence limit; a shift is a rise of at least ShiftMinIncrease above it.
        // (The variance of the mean is at most alpha x the variance of one minute, for the running mean and the EWMA alike.)
        // At least MinCalmShare: against a baseline of no negatives at all, one negative mention would be infinite evidence.
        var upperLimit = st.MeanShare + BaselineConfidenceZ * Math.Sqrt(Math.Max(0, st.VarShare) * BrandState.ShareAlpha(st.ShareBuckets, _r));
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

    /// <summary>The calm-traffic tail bound as a reason: "p &lt;= 1e-9" style, against the per-minute alpha.</summary>
    private string TailReason(double logTail) =>
        $"calm-traffic probability <= {N(Math.Exp(logTail), "0.#E+0")} (budget {N(Math.Exp(_logAlpha), "0.#E+0")} a minute)";

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private CrisisAlert VolumeSpike(BrandState st, long minute, BrandBucket b, double baselineMean, double z, double threshold, double logTail)
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
            EventTime = BrandMonitor.StartOf(minute),
            DetectedAt = new DateTimeOffset(Math.Max(st.LatestTicks, BrandMonitor.StartOf(minute).UtcTicks), TimeSpan.Zero),
        };
    }

    private CrisisAlert SentimentShift(BrandState st, long minute, BrandBucket b, double share, double z, string evidence)
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
            EventTime = BrandMonitor.StartOf(minute),
            DetectedAt = new DateTimeOffset(Math.Max(st.LatestTicks, BrandMonitor.StartOf(minute).UtcTicks), TimeSpan.Zero),
        };
    }
}
