using System.Globalization;
using System.Text.Json;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// Where the figures come from. <see cref="OtherProcessesCpuShare"/> is the share of all processors' time that
/// processes other than this run (and its Garnet) used meanwhile: above a few percent, other work competed
/// for the processors and every figure is lower than this machine can do.
/// </summary>
public sealed record MachineInfo(int Processors, string Runtime, string OperatingSystem, string Kafka, string Redis, double? OtherProcessesCpuShare);

public sealed record WorkloadInfo(long Mentions, int Customers, int Brands, double ZipfExponent, double ProspectShare, double AverageBytes, int Partitions);

public sealed record ThroughputFigure(long Records, double Seconds, double PerSecond, CostFigure Cost)
{
    public static ThroughputFigure Of(ThroughputSample sample, CostMeter cost) =>
        new(sample.Records, sample.Elapsed.TotalSeconds, sample.PerSecond, cost.PerRecord(sample.Records));
}

public sealed record ThroughputResult(IReadOnlyList<ThroughputFigure> BaselinePasses, ThroughputFigure Baseline, ThroughputFigure Pipeline, double Ratio);

/// <summary>
/// Latency at one offered rate (<see cref="RateBasis"/> says how it was chosen): what was asked of the producer, what
/// it achieved, and the percentiles of the pipeline and of a raw consume-and-parse loop reading the same records
/// meanwhile (the floor on this broker), and the longest garbage collection pause of this process (node and raw loop
/// both) that ended while they were measured, with the generation its collection collected; and where the pipeline's
/// records spent that time on average (<see cref="StageMeans"/>).
/// </summary>
public sealed record LatencyResult(string RateBasis, double OfferedPerSecond, double AchievedPerSecond, double MeasuredSeconds, double WarmUpSeconds,
    int FetchWaitMaxMs, LatencyPercentiles Pipeline, LatencyPercentiles RawConsume, double LongestGcPauseMs, int? LongestGcPauseGeneration,
    StageMeans PipelineStages);

/// <summary>
/// Mean milliseconds per record after the warm-up in the node's two stages (its <c>socialcrm_pipeline_stage_seconds</c>):
/// from Kafka append to its batch starting (fetch, the in-flight window, the batch's delay), and from the batch handed to
/// the customers to all of them answering (loads, state, Redis writes, downstream produces).
/// </summary>
public sealed record StageMeans(double WaitingForBatchMs, double WithCustomersMs);

/// <summary>
/// One customer count of the scale phase. <see cref="WorkingSetBytes"/> is the whole process's, of which
/// <see cref="BrokerWorkingSetBytes"/> is the embedded Kafka broker's share (<see cref="BenchResult.BrokerMethod"/>);
/// the rest is the node's. <see cref="LongestGcPauseMs"/>: the longest garbage collection pause while the customers
/// were activated and fed (the heap readings' forced collections left out), of a collection of <see cref="LongestGcPauseGeneration"/>.
/// </summary>
public sealed record ScaleResult(int Customers, long ActiveEntities, ThroughputFigure Activation, ThroughputFigure Steady,
    long HeapDeltaBytes, double HeapBytesPerEntity, long ManagedHeapBytes, long WorkingSetBytes, long BrokerWorkingSetBytes, double LongestGcPauseMs,
    int? LongestGcPauseGeneration)
{
    public long NodeWorkingSetBytes => WorkingSetBytes - BrokerWorkingSetBytes;
}

public sealed record TargetResult(string Name, string Target, string Actual, bool? Met);

public sealed record PhaseTime(string Phase, double Seconds);

/// <summary>Everything one <c>socialcrm bench</c> run measured; printed as tables and written as JSON.</summary>
public sealed record BenchResult(
    string Mode,
    MachineInfo Machine,
    WorkloadInfo Workload,
    ThroughputResult Throughput,
    IReadOnlyList<LatencyResult> Latency,
    IReadOnlyList<ScaleResult> Scale,
    string HeapMethod,
    string BrokerMethod,
    IReadOnlyList<TargetResult> Targets,
    IReadOnlyList<PhaseTime> Phases,
    double RunSeconds)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Headline => "pipeline/baseline throughput ratio: " + Throughput.Ratio.ToString("F2", CultureInfo.InvariantCulture);

    public HeapGrowth? HeapGrowth => HeapGrowth.Of(Scale);

    public async Task WriteJsonAsync(FileInfo file, CancellationToken cancellationToken)
    {
        await using var stream = file.Create();
        await JsonSerializer.SerializeAsync(stream, this, Json, cancellationToken).ConfigureAwait(false);
    }

    public string ToText()
    {
        var w = Workload;
        var lines = new List<string>
        {
            "",
            $"socialcrm bench ({Mode}): {Machine.Processors} processors, {Machine.Runtime}, {Machine.OperatingSystem}",
            $"Kafka: {Machine.Kafka}; Redis: {Machine.Redis}",
            "Other processes used " + (Machine.OtherProcessesCpuShare is { } other ? other.ToString("P0", CultureInfo.InvariantCulture) : "an unknown share") +
                " of the processors' time during the run (more than a few percent: they competed with it and every figure is low)",
            $"Workload: {N(w.Mentions)} mentions of {w.AverageBytes:F0} B on average, {w.Partitions} partitions; customers drawn Zipf (s = {w.ZipfExponent:F2}) " +
                $"over {N(w.Customers)} customers of {w.Brands} brands; {w.ProspectShare:P0} of mentions by prospects (new authors)",
            "",
            "Throughput on the same pre-loaded topic (first record consumed to last record done)",
        };
        var throughput = new TextTable("", "records", "seconds", "records/s", "CPU µs/rec", "Redis CPU µs/rec", "alloc B/rec", "GC pause", "JIT ms");
        for (var pass = 0; pass < Throughput.BaselinePasses.Count; pass++)
        {
            Row(throughput, $"baseline pass {pass + 1}: raw consume + parse", Throughput.BaselinePasses[pass]);
        }
        Row(throughput, "baseline (best pass): the limit", Throughput.Baseline);
        Row(throughput, "full pipeline: state, detectors, Redis, topics, commits", Throughput.Pipeline);
        lines.Add(throughput.ToString());
        lines.Add($"  pipeline/baseline: {Throughput.Ratio:F2}. CPU: this process (node and embedded Kafka); Redis CPU: the server's (the Garnet child's, or what a given server reports in INFO cpu); alloc: managed bytes allocated; GC pause: share of the time; JIT ms: compiling meanwhile (part of CPU)");
        lines.Add("");

        lines.Add("Latency from Kafka append (the producer's CreateTime, ms resolution) to its effects written (Redis and Kafka; the raw loop: parsed), " +
            $"live mentions offered at each rate, measured after {Latency[0].WarmUpSeconds:F0} s of warm-up");
        var latency = new TextTable("offered/s", "", "achieved/s", "seconds", "samples", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "longest GC pause ms",
            "mean ms to batch", "mean ms with customers");
        foreach (var l in Latency)
        {
            var gcPause = new GcPause(l.LongestGcPauseMs, l.LongestGcPauseGeneration).Describe();
            Row(latency, l, "full pipeline: effects in Redis and Kafka", l.Pipeline, gcPause, F1(l.PipelineStages.WaitingForBatchMs), F1(l.PipelineStages.WithCustomersMs));
            Row(latency, l, "raw consume + parse of the same records", l.RawConsume, gcPause, "", "");
        }
        lines.Add(latency.ToString());
        lines.Add($"  (consumers use fetch.wait.max.ms={Latency[0].FetchWaitMaxMs}: the mock broker holds an empty fetch that long even when records arrive, a real broker answers at once;");
        lines.Add("   records both loops have read are deleted every 0.5 s: the mock broker walks a partition's log from its start to find a fetch's offset;");
        lines.Add("   the longest GC pause is this process's, which holds the node and the raw loop: a record that waited through it waited that long at least;");
        lines.Add("   beside it, the generation its collection collected: a gen1 collection copies what outlived the young ones, such as new customers' actors;");
        lines.Add("   the pipeline also waits out its Redis server's pauses: Garnet, in a .NET process, pauses for its own GC, so --redis measures against a Redis;");
        lines.Add("   the means split the pipeline's time: from append to its batch starting (fetch, the in-flight window, the batch's delay), and from the batch");
        lines.Add("   handed to the customers to all of them answering (loads, state, Redis writes, downstream produces))");
        lines.Add("");

        lines.Add("Scale with active customers: each customer activated by one mention, then the same number of mentions as above, Zipf over them");
        var scale = new TextTable("customers", "entities", "activation/s", "CPU µs/rec", "steady/s", "CPU µs/rec", "bytes/entity", "managed heap MB",
            "working set MB", "broker MB", "node MB", "longest GC pause ms");
        foreach (var s in Scale)
        {
            scale.Add(N(s.Customers), N(s.ActiveEntities), N(s.Activation.PerSecond), N(s.Activation.Cost.CpuMicrosecondsPerRecord),
                N(s.Steady.PerSecond), N(s.Steady.Cost.CpuMicrosecondsPerRecord), N(s.HeapBytesPerEntity), Mb(s.ManagedHeapBytes), Mb(s.WorkingSetBytes),
                Mb(s.BrokerWorkingSetBytes), Mb(s.NodeWorkingSetBytes), new GcPause(s.LongestGcPauseMs, s.LongestGcPauseGeneration).Describe());
        }
        lines.Add(scale.ToString());
        if (HeapGrowth is { } growth)
        {
            lines.Add($"  Heap growth from {N(growth.FromCustomers)} to {N(growth.ToCustomers)} customers: {N(growth.BytesPerEntity)} B per entity added, " +
                $"{Mb((long)growth.FixedBytes)} MB that does not grow with them (a node's heap: that plus the bytes per entity for each customer it holds)");
        }
        lines.Add("  Heap method: " + HeapMethod);
        lines.Add("  Broker share method: " + BrokerMethod);
        lines.Add("");

        lines.Add("Targets");
        var targets = new TextTable("", "target", "actual", "");
        foreach (var t in Targets)
        {
            targets.Add(t.Name, t.Target, t.Actual, t.Met switch { true => "met", false => "NOT MET", null => "not measured" });
        }
        lines.Add(targets.ToString());
        lines.Add("");
        lines.Add("Run time: " + string.Join(", ", Phases.Select(p => $"{p.Phase} {p.Seconds:F1} s")) + $"; total {RunSeconds:F1} s");
        return string.Join('\n', lines);
    }

    private static void Row(TextTable table, string name, ThroughputFigure figure) =>
        table.Add(name, N(figure.Records), figure.Seconds.ToString("F3", CultureInfo.InvariantCulture), N(figure.PerSecond),
            F1(figure.Cost.CpuMicrosecondsPerRecord), figure.Cost.RedisCpuMicrosecondsPerRecord is { } redis ? F1(redis) : "-",
            N(figure.Cost.AllocatedBytesPerRecord), figure.Cost.GcPauseShare.ToString("P1", CultureInfo.InvariantCulture), N(figure.Cost.JitMilliseconds));

    private static void Row(TextTable table, LatencyResult run, string name, LatencyPercentiles p, string gcPause, string toBatch, string withCustomers) =>
        table.Add($"{N(run.OfferedPerSecond)} ({run.RateBasis})", name, N(run.AchievedPerSecond), F1(run.MeasuredSeconds), N(p.Samples), F1(p.P50Ms), F1(p.P99Ms),
            F1(p.P999Ms), F1(p.MaxMs), gcPause, toBatch, withCustomers);

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("N1", CultureInfo.InvariantCulture);
}
