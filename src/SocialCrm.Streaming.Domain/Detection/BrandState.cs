using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// One brand's state in <see cref="BrandMonitor"/>: its event time, its open minute buckets, its alert cool-downs, and
/// the baselines the crisis tests compare against, with the statistics that update them as minutes close.
/// </summary>
internal sealed class BrandState(string brand)
{
    /// <summary>Per-mention feeding: the brand's event time follows the third-latest of its last 16 mentions (<see cref="RobustWatermark"/>).</summary>
    private const int MentionQuorum = 3;
    private const int MentionWindow = 16;
    public string Brand { get; } = brand;
    /// <summary>False until the first watermark: nothing is late or closed before it (<see cref="BrandMonitor.Begin"/>).</summary>
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
    public readonly SortedDictionary<long, BrandBucket> Open = [];
    public readonly Dictionary<long, VolumeBaseline> History = [];

    /// <summary>Skips <paramref name="skip"/> empty minutes from <paramref name="minute"/> on; returns the minute after them.</summary>
    public long SkipQuiet(long minute, long skip, BrandMonitorRules r)
    {
        if (Started)
        {
            var keep = Math.Pow(1 - r.BaselineAlpha, Math.Min(skip, 100_000));
            MeanNegative *= keep;
            VarNegative *= keep;
            Buckets += skip;
        }
        // The minutes remembered before the gap are no minute's reference any more.
        History.Clear();
        return minute + skip;
    }

    /// <summary>
    /// The negative-volume baseline after each recently closed minute. Minute m is always judged against the
    /// baseline after minute m - lateness - 1, however far event time has moved when its counts arrive, so a
    /// replay and a live cluster (whose baselines close at different moments) reach the same decisions.
    /// </summary>
    public void RememberBaseline(long minute, BrandMonitorRules r)
    {
        if (Started)
        {
            History[minute] = new VolumeBaseline(MeanNegative, VarNegative, Buckets);
        }
        History.Remove(minute - r.AllowedLatenessMinutes - 3);
    }

    /// <summary>Adds a closed minute to the volume baseline, and to the share baseline when it has at least 5 mentions.</summary>
    public void UpdateBaseline(BrandBucket b, BrandMonitorRules r)
    {
        var a = r.BaselineAlpha;
        if (!Started)
        {
            Started = true;
            MeanNegative = b.Negative;
            VarNegative = 0;
            Buckets = 1;
        }
        else
        {
            var diff = b.Negative - MeanNegative;
            var increment = a * diff;
            MeanNegative += increment;
            VarNegative = (1 - a) * (VarNegative + diff * increment);
            Buckets++;
        }
        var total = b.Total;
        if (total >= 5)
        {
            // A running mean until 1 / ShareBaselineAlpha minutes, then an EWMA: slow, so a crisis building over minutes is not learnt as calm.
            var shareAlpha = ShareAlpha(ShareBuckets + 1, r);
            var share = (double)b.Negative / total;
            if (ShareBuckets == 0)
            {
                MeanShare = share;
                VarShare = 0;
            }
            else
            {
                var diff = share - MeanShare;
                var increment = shareAlpha * diff;
                MeanShare += increment;
                VarShare = (1 - shareAlpha) * (VarShare + diff * increment);
            }
            ShareBuckets++;
        }
    }

    public static double ShareAlpha(long buckets, BrandMonitorRules r) => Math.Max(r.ShareBaselineAlpha, 1.0 / Math.Max(buckets, 1));
}

/// <summary>A brand's negative-volume baseline after one closed minute (<see cref="BrandState.RememberBaseline"/>).</summary>
internal readonly record struct VolumeBaseline(double Mean, double Variance, long Buckets);
