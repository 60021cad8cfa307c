using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>Nearest-rank percentiles of the latencies recorded, in milliseconds.</summary>
public sealed record LatencyPercentiles(long Samples, double P50Ms, double P99Ms, double P999Ms, double MaxMs);

/// <summary>
/// Collects the append-to-done latency of every mention appended to <see cref="Topic"/> at or after
/// <see cref="From"/> (records before it are warm-up). Fed by <c>ProcessorMetrics.LatencyObserver</c>
/// on the stream's one thread; read once the stream has gone quiet. Also knows, per partition, how far its reader
/// has read (<see cref="ReadBelow"/>), warm-up included.
/// </summary>
public sealed class LatencyRecorder(string topic, int partitions, DateTimeOffset from)
{
    private readonly List<double> _milliseconds = new(1 << 20);
    private readonly Lock _gate = new();
    /// <summary>Per partition, one past the highest offset recorded.</summary>
    private readonly long[] _readBelow = new long[partitions];

    public string Topic => topic;
    public DateTimeOffset From => from;

    /// <summary>
    /// Every record of <paramref name="partition"/> below this offset has been fetched by the reader: a record recorded
    /// was fetched, and a partition is fetched in order (recorded records may be done out of order).
    /// </summary>
    public long ReadBelow(int partition) => Volatile.Read(ref _readBelow[partition]);

    public void Record(ConsumedRecord record, TimeSpan latency)
    {
        if (record.Topic != topic)
        {
            return;
        }
        ref var readBelow = ref _readBelow[record.Position.Partition];
        var next = record.Position.Offset + 1;
        for (var seen = Volatile.Read(ref readBelow); next > seen; seen = Volatile.Read(ref readBelow))
        {
            if (Interlocked.CompareExchange(ref readBelow, next, seen) == seen)
            {
                break;
            }
        }
        if (record.AppendTime < from)
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
