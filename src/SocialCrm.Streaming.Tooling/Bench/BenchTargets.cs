using System.Globalization;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// The performance targets (README, Benchmark) judged on the figures of one run: each row <c>met</c>, <c>NOT MET</c>
/// or not measured (null) when the run did not measure what it needs.
/// </summary>
public static class BenchTargets
{
    public const double MinimumRatio = 0.5;
    public const double LatencyBudgetMs = 25;
    /// <summary>The broker's own delay is the floor: a p99 this close to the raw loop's beside it passes too.</summary>
    public const double AboveRawConsumeMs = 10;
    public const double MaximumRedisCpuMicroseconds = 5;
    public const double MaximumAllocatedBytes = 2_048;
    public const double MaximumHeapBytesPerEntity = 1_024;
    public const int MillionCustomers = 1_000_000;
    public const long MaximumNodeWorkingSetBytes = 1_536L * 1024 * 1024;
    public const double MinimumActivationPerSecond = 50_000;
    /// <summary>How far the largest count's steady rate may lie from the smallest's, either way.</summary>
    public const double SteadySpread = 0.20;

    public static bool RatioMet(ThroughputResult throughput) => throughput.Ratio >= MinimumRatio;

    public static bool LatencyMet(LatencyResult latency) =>
        latency.Pipeline.P99Ms <= LatencyBudgetMs || latency.Pipeline.P99Ms <= latency.RawConsume.P99Ms + AboveRawConsumeMs;

    public static bool ActivationMet(ScaleResult scale) => scale.Activation.PerSecond >= MinimumActivationPerSecond;

    public static List<TargetResult> Evaluate(ThroughputResult throughput, IReadOnlyList<LatencyResult> latency, IReadOnlyList<ScaleResult> scale)
    {
        var pipelineCost = throughput.Pipeline.Cost;
        var million = scale.Where(s => s.Customers >= MillionCustomers).MaxBy(s => s.Customers);
        var slowestActivation = scale.MinBy(s => s.Activation.PerSecond);
        var smallest = scale.MinBy(s => s.Customers);
        var largest = scale.MaxBy(s => s.Customers);
        var spread = smallest is null || largest is null || largest.Customers == smallest.Customers || smallest.Steady.PerSecond <= 0
            ? (double?)null
            : largest.Steady.PerSecond / smallest.Steady.PerSecond - 1;
        var targets = new List<TargetResult>
        {
            new("pipeline/baseline throughput ratio", ">= 0.50", F2(throughput.Ratio), RatioMet(throughput)),
        };
        targets.AddRange(latency.Select(l => new TargetResult(
            $"p99 append to effects written at {N(l.OfferedPerSecond)}/s ({l.RateBasis})",
            $"<= {LatencyBudgetMs:F0} ms, or <= raw p99 + {AboveRawConsumeMs:F0} ms",
            $"{F1(l.Pipeline.P99Ms)} ms (raw consume + parse {F1(l.RawConsume.P99Ms)} ms)",
            LatencyMet(l))));
        targets.AddRange(
        [
            new("Redis CPU per mention (full pipeline)", $"<= {MaximumRedisCpuMicroseconds:F0} µs",
                pipelineCost.RedisCpuMicrosecondsPerRecord is { } redis ? $"{F1(redis)} µs" : "not measured (the given Redis does not report INFO cpu)",
                pipelineCost.RedisCpuMicrosecondsPerRecord is { } cpu ? cpu <= MaximumRedisCpuMicroseconds : null),
            new("allocation per mention (full pipeline)", $"<= {N(MaximumAllocatedBytes)} B",
                $"{N(pipelineCost.AllocatedBytesPerRecord)} B", pipelineCost.AllocatedBytesPerRecord <= MaximumAllocatedBytes),
            HeapPerEntity(scale),
            new($"{N(MillionCustomers)} customers in one node: node working set", $"<= {Mb(MaximumNodeWorkingSetBytes)} MB",
                million is null ? "not in this run"
                    : $"{Mb(million.NodeWorkingSetBytes)} MB (process {Mb(million.WorkingSetBytes)} MB, embedded broker {Mb(million.BrokerWorkingSetBytes)} MB; " +
                      $"managed heap {Mb(million.ManagedHeapBytes)} MB)",
                million is null ? null : million.NodeWorkingSetBytes <= MaximumNodeWorkingSetBytes),
            new("activation, customers/s (slowest count)", $">= {N(MinimumActivationPerSecond)}",
                slowestActivation is null ? "not in this run" : $"{N(slowestActivation.Activation.PerSecond)} at {N(slowestActivation.Customers)}",
                slowestActivation is null ? null : ActivationMet(slowestActivation)),
            new("steady throughput, largest count against smallest", $"within {(SteadySpread * 100).ToString("F0", CultureInfo.InvariantCulture)} %",
                spread is { } s ? $"{s.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture)}: {N(largest!.Steady.PerSecond)}/s at {N(largest.Customers)} " +
                    $"against {N(smallest!.Steady.PerSecond)}/s at {N(smallest.Customers)}"
                    : "not measured (one customer count in this run)",
                spread is { } measured ? Math.Abs(measured) <= SteadySpread : null),
        ]);
        return targets;
    }

    /// <summary>
    /// Judged on what each entity added costs (<see cref="HeapGrowth"/>) where the run measured counts far enough apart;
    /// else on the largest count's figure, which divides the node's fixed part among its entities too (it errs high).
    /// </summary>
    private static TargetResult HeapPerEntity(IReadOnlyList<ScaleResult> scale)
    {
        const string Name = "managed heap per active entity";
        var target = $"<= {N(MaximumHeapBytesPerEntity)} B";
        if (HeapGrowth.Of(scale) is { } growth)
        {
            var perCount = string.Join(" / ", scale.OrderBy(s => s.Customers).Select(s => N(s.HeapBytesPerEntity)));
            return new(Name, target,
                $"{N(growth.BytesPerEntity)} B each added from {N(growth.FromCustomers)} to {N(growth.ToCustomers)} (per count {perCount} B)",
                growth.BytesPerEntity <= MaximumHeapBytesPerEntity);
        }
        var largest = scale.MaxBy(s => s.ActiveEntities);
        var basis = scale.Count == 1 ? "one count" : $"counts fewer than {N(HeapGrowth.MinimumEntitySpread)} entities apart";
        return largest is null
            ? new(Name, target, "not in this run", null)
            : new(Name, target, $"{N(largest.HeapBytesPerEntity)} B at {N(largest.Customers)} ({basis}: the node's fixed part included)",
                largest.HeapBytesPerEntity <= MaximumHeapBytesPerEntity);
    }

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("N0", CultureInfo.InvariantCulture);
}
