using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>Nearest-rank percentiles of the latencies recorded, in milliseconds.</summary>
public sealed record LatencyPercentiles(long Samples, double P50Ms, double P99Ms, double P999Ms, double MaxMs);

/// <summary>
/// Collects the append-to-done latency of every mention appended to <see cref="Topic"/> at or after
/// <see cref="From"/> (records before it are warm-up). Fed by <c>ProcessorMetrics.LatencyObserver</c>
/// on the stream's one thread; read once the stream has gone quiet.
/// </summary>
public sealed class LatencyRecorder(string topic, DateTimeOffset from)
{
    private readonly List<double> _milliseconds = new(1 << 20);
    private readonly Lock _gate = new();

    public string Topic => topic;
    public DateTimeOffset From => from;

    public void Record(ConsumedRecord record, TimeSpan latency)
    {
        if (record.Topic != topic || record.AppendTime < from)
        {
            return;
        }
        lock (_gate)
        {
            _milliseconds.Add(latency.TotalMilliseconds);
        }
    }

    public LatencyPercentiles Percentiles()
    {
        double[] sorted;
        lock (_gate)
        {
            sorted = [.. _milliseconds];
        }
        if (sorted.Length == 0)
        {
            throw new InvalidOperationException("no latency was recorded");
        }
        Array.Sort(sorted);
        return new LatencyPercentiles(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.99), Rank(sorted, 0.999), sorted[^1]);
    }

    private static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
