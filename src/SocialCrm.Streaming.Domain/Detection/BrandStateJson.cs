using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Snapshots;

namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// One brand's <see cref="BrandState"/> as JSON, for <see cref="BrandMonitor.WriteState"/> and
/// <see cref="BrandMonitor.ImportState(JsonElement)"/>: deterministic (buckets and baselines in order, round-trip numbers),
/// and states saved by earlier versions still read.
/// </summary>
internal static class BrandStateJson
{
    public static void Write(Utf8JsonWriter w, BrandState st)
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

    public static BrandState Read(JsonElement e)
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
            var b = new BrandBucket
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
        return st;
    }
}
