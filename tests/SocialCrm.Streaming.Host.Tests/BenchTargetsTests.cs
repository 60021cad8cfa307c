using System.Xml.Linq;
using SocialCrm.Streaming.Host.Bench;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>The targets table of <c>socialcrm bench</c> judged on given figures: each row met, NOT MET or not measured.</summary>
public sealed class BenchTargetsTests
{
    private const long Mb = 1024 * 1024;

    [Theory]
    [InlineData(24.9, 200.0, true)]   // within the budget
    [InlineData(40.0, 31.0, true)]    // over it, but within 10 ms of the raw loop
    [InlineData(40.0, 30.0, true)]    // exactly 10 ms above the raw loop
    [InlineData(40.1, 30.0, false)]
    [InlineData(25.1, 5.0, false)]
    public void A_p99_is_met_within_25_ms_or_within_10_ms_of_the_raw_loop_beside_it(double pipelineP99, double rawP99, bool met)
    {
        var targets = Evaluate(latency: [Latency("half the measured maximum", 6_000, 10, 5), Latency("fixed", 5_000, pipelineP99, rawP99)]);

        Assert.True(Row(targets, "p99 append to effects written at 6,000/s (half the measured maximum)").Met);
        var fixedRate = Row(targets, "p99 append to effects written at 5,000/s (fixed)");
        Assert.Equal(met, fixedRate.Met);
        Assert.Contains(FormattableString.Invariant($"raw consume + parse {rawP99:F1} ms"), fixedRate.Actual, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4.9, true)]
    [InlineData(5.0, true)]
    [InlineData(5.1, false)]
    [InlineData(null, null)] // a Redis the bench did not start (--redis): its CPU is not known
    public void Redis_cpu_per_mention_is_judged_on_the_full_pipeline_or_not_measured(double? redisCpu, bool? met)
    {
        var row = Row(Evaluate(pipeline: Figure(10_000, redisCpu: redisCpu)), "Redis CPU per mention");

        Assert.Equal(met, row.Met);
        if (met is null)
        {
            Assert.StartsWith("not measured", row.Actual, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(2_048, true)]
    [InlineData(2_049, false)]
    public void Allocation_per_mention_is_at_most_2_KB(double allocated, bool met) =>
        Assert.Equal(met, Row(Evaluate(pipeline: Figure(10_000, allocatedBytes: allocated)), "allocation per mention").Met);

    [Theory]
    [InlineData(1_700, 200, true)]  // the node's share is 1,500 MB: the embedded broker is not the node's
    [InlineData(1_700, 100, false)]
    public void A_million_customers_fit_in_1_5_GB_of_the_nodes_working_set_the_brokers_share_apart(long processMb, long brokerMb, bool met)
    {
        var row = Row(Evaluate(scale: [Scale(10_000, 90_000, 20_000), Scale(1_000_000, 60_000, 19_000, processMb * Mb, brokerMb * Mb)]),
            "1,000,000 customers in one node: node working set");

        Assert.Equal(met, row.Met);
        Assert.StartsWith(FormattableString.Invariant($"{processMb - brokerMb:N0} MB (process {processMb:N0} MB, embedded broker {brokerMb:N0} MB"), row.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_million_customers_the_working_set_is_not_measured_nor_is_the_spread_of_one_count() =>
        Assert.All(new[] { "1,000,000 customers in one node", "steady throughput" },
            name => Assert.Null(Row(Evaluate(scale: [Scale(10_000, 90_000, 20_000)]), name).Met));

    [Theory]
    [InlineData(1_024, true)]
    [InlineData(1_025, false)]
    public void Heap_per_entity_is_judged_on_what_each_entity_added_costs_not_on_the_fixed_part_a_small_count_divides(long perEntityAdded, bool met)
    {
        // 30 MB that does not grow with customers: 4,170 B per entity at 10,000 whatever each one costs.
        var scale = new[] { 10_000, 100_000, 1_000_000 }.Select(count => Scale(count, 90_000, 20_000, heapDelta: 30 * Mb + perEntityAdded * count)).ToList();

        var row = Row(Evaluate(scale: scale), "managed heap per active entity");
        var growth = HeapGrowth.Of(scale)!;

        Assert.Equal(met, row.Met);
        Assert.StartsWith(FormattableString.Invariant($"{perEntityAdded:N0} B each added from 10,000 to 1,000,000 (per count {scale[0].HeapBytesPerEntity:N0} / "), row.Actual, StringComparison.Ordinal);
        Assert.Equal(perEntityAdded, growth.BytesPerEntity, precision: 6);
        Assert.Equal(30 * Mb, growth.FixedBytes, precision: 3);
    }

    [Fact]
    public void With_one_count_heap_per_entity_is_that_counts_figure_fixed_part_included()
    {
        var scale = new[] { Scale(10_000, 90_000, 20_000, heapDelta: 10 * Mb) };

        var row = Row(Evaluate(scale: scale), "managed heap per active entity");

        Assert.Null(HeapGrowth.Of(scale));
        Assert.False(row.Met);
        Assert.Equal("1,049 B at 10,000 (one count: the node's fixed part included)", row.Actual);
    }

    [Fact]
    public void Counts_too_close_for_a_slope_are_judged_on_the_largest_counts_figure_not_on_the_noise_between_them()
    {
        // Two readings 4 entities apart, the second 6 MB lower by noise: a slope of about -1.5 MB per entity.
        var scale = new[] { Scale(10_000, 90_000, 20_000, heapDelta: 20 * Mb), Scale(10_004, 90_000, 20_000, heapDelta: 14 * Mb) };

        var row = Row(Evaluate(scale: scale), "managed heap per active entity");

        Assert.Null(HeapGrowth.Of(scale));
        Assert.False(row.Met);
        Assert.Equal("1,467 B at 10,004 (counts fewer than 85,938 entities apart: the node's fixed part included)", row.Actual);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(-1, false)]
    public void A_slope_is_taken_from_counts_at_least_the_minimum_spread_apart(int beyondMinimum, bool sloped)
    {
        var largest = 10_000 + (int)HeapGrowth.MinimumEntitySpread + beyondMinimum;
        var scale = new[] { Scale(10_000, 90_000, 20_000), Scale(largest, 90_000, 20_000) };

        Assert.Equal(sloped, HeapGrowth.Of(scale) is not null);
    }

    [Theory]
    [InlineData(60_000, true)]
    [InlineData(49_999, false)]
    public void Activation_is_judged_on_the_slowest_customer_count(double slowest, bool met)
    {
        var row = Row(Evaluate(scale: [Scale(10_000, 120_000, 20_000), Scale(100_000, slowest, 20_000), Scale(1_000_000, 70_000, 20_000)]),
            "activation, customers/s");

        Assert.Equal(met, row.Met);
        Assert.EndsWith("at 100,000", row.Actual, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20_000, true)]
    [InlineData(16_000, true)]   // 20 % slower
    [InlineData(15_900, false)]
    [InlineData(24_000, true)]   // 20 % faster
    [InlineData(24_100, false)]  // not flat either
    public void Steady_throughput_stays_within_20_percent_from_the_smallest_count_to_the_largest(double atLargest, bool met)
    {
        var row = Row(Evaluate(scale: [Scale(1_000_000, 90_000, atLargest), Scale(100_000, 90_000, 1_000), Scale(10_000, 90_000, 20_000)]),
            "steady throughput");

        Assert.Equal(met, row.Met);
        Assert.EndsWith("against 20,000/s at 10,000", row.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public void The_text_and_the_picture_show_every_row_with_its_verdict()
    {
        var throughput = new ThroughputResult([Figure(40_000)], Figure(40_000), Figure(10_000, redisCpu: null), 0.25);
        IReadOnlyList<LatencyResult> latency = [Latency("half the measured maximum", 5_000, 30, 25), Latency("fixed", 5_000, 90, 25)];
        IReadOnlyList<ScaleResult> scale = [Scale(10_000, 60_000, 20_000)];
        var targets = BenchTargets.Evaluate(throughput, latency, scale);
        var result = new BenchResult("quick", new MachineInfo(2, ".NET", "Linux", "mock", "Garnet", 0.01),
            new WorkloadInfo(1_000, 10_000, 4, 1, 0.25, 300, 12), throughput, latency, scale, "heap method", "broker method", targets,
            [new PhaseTime("pipeline", 1)], 1);

        Assert.Equal(9, targets.Count);
        var text = result.ToText();
        Assert.All(targets, target => Assert.Contains(target.Name, text, StringComparison.Ordinal));
        Assert.Contains("Broker share method: broker method", text, StringComparison.Ordinal);
        var verdicts = targets.Select(t => t.Met switch { true => "met", false => "NOT MET", null => "not measured" }).ToList();
        Assert.Equal(["NOT MET", "met", "NOT MET", "not measured", "met", "met", "not measured", "met", "not measured"], verdicts);

        XNamespace svg = "http://www.w3.org/2000/svg";
        var texts = BenchChart.Render(result).Descendants(svg + "text").Select(t => t.Value).ToList();
        for (var i = 0; i < targets.Count; i++)
        {
            Assert.Contains($"{targets[i].Name}: {targets[i].Actual} (target {targets[i].Target}) {verdicts[i]}", texts);
        }
        Assert.Equal(2, texts.Count(t => t == "full pipeline p99"));
    }

    [Fact]
    public void The_latency_table_splits_the_pipelines_time_into_its_two_stages_the_raw_loop_has_none()
    {
        var throughput = new ThroughputResult([Figure(40_000)], Figure(40_000), Figure(10_000), 0.25);
        IReadOnlyList<LatencyResult> latency = [Latency("fixed", 5_000, 90, 25)];
        IReadOnlyList<ScaleResult> scale = [Scale(10_000, 60_000, 20_000)];
        var result = new BenchResult("quick", new MachineInfo(2, ".NET", "Linux", "mock", "Garnet", 0.01),
            new WorkloadInfo(1_000, 10_000, 4, 1, 0.25, 300, 12), throughput, latency, scale, "heap method", "broker method",
            BenchTargets.Evaluate(throughput, latency, scale), [new PhaseTime("pipeline", 1)], 1);

        var lines = result.ToText().Split('\n');
        var header = Assert.Single(lines, l => l.Contains("mean ms to batch", StringComparison.Ordinal));
        Assert.Contains("mean ms with customers", header, StringComparison.Ordinal);
        var pipeline = Assert.Single(lines, l => l.Contains("full pipeline: effects in Redis and Kafka", StringComparison.Ordinal));
        Assert.Equal(["6.5", "22.5"], pipeline.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2..]);
        var raw = Assert.Single(lines, l => l.Contains("raw consume + parse of the same records", StringComparison.Ordinal));
        Assert.DoesNotContain("6.5", raw, StringComparison.Ordinal);
    }

    private static List<TargetResult> Evaluate(
        ThroughputFigure? pipeline = null, IReadOnlyList<LatencyResult>? latency = null, IReadOnlyList<ScaleResult>? scale = null)
    {
        var measured = pipeline ?? Figure(20_000);
        return BenchTargets.Evaluate(new ThroughputResult([Figure(40_000)], Figure(40_000), measured, measured.PerSecond / 40_000),
            latency ?? [Latency("half the measured maximum", 10_000, 10, 5)], scale ?? [Scale(10_000, 90_000, 20_000)]);
    }

    private static TargetResult Row(IEnumerable<TargetResult> targets, string nameStart) =>
        Assert.Single(targets, t => t.Name.StartsWith(nameStart, StringComparison.Ordinal));

    private static ThroughputFigure Figure(double perSecond, double? redisCpu = 3, double allocatedBytes = 1_000) =>
        new(100_000, 100_000 / perSecond, perSecond, new CostFigure(40, redisCpu, allocatedBytes, 0.02, 10, 1, 0, 0, 0));

    private static LatencyResult Latency(string basis, double rate, double pipelineP99, double rawP99) =>
        new(basis, rate, rate, 6, 2, 5, new LatencyPercentiles(30_000, 2, pipelineP99, pipelineP99 + 1, pipelineP99 + 2),
            new LatencyPercentiles(30_000, 1, rawP99, rawP99 + 1, rawP99 + 2), LongestGcPauseMs: 3, LongestGcPauseGeneration: 0,
            new StageMeans(WaitingForBatchMs: 6.5, WithCustomersMs: pipelineP99 / 4));

    private static ScaleResult Scale(
        int customers, double activationPerSecond, double steadyPerSecond, long workingSet = 900 * Mb, long broker = 100 * Mb, long? heapDelta = null)
    {
        var delta = heapDelta ?? 600L * customers;
        return new(customers, customers, Figure(activationPerSecond), Figure(steadyPerSecond), delta, (double)delta / customers, 400 * Mb, workingSet, broker,
            LongestGcPauseMs: 3, LongestGcPauseGeneration: 0);
    }
}
