using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>What one benchmark run measures and how much of it.</summary>
public sealed record BenchSettings(
    bool Quick,
    long Mentions,
    int Customers,
    double ZipfExponent,
    double NewAuthorShare,
    IReadOnlyList<int> ScaleCustomers,
    TimeSpan LatencyDuration,
    int BaselinePasses,
    long WarmUp,
    string? Redis,
    FileInfo? Out);

/// <summary>
/// <c>socialcrm bench</c>: the performance targets (README, Benchmark) measured in one process and one run, on the
/// embedded mock Kafka cluster and a Redis-protocol server (Garnet in a child process, or <c>--redis</c>):
/// a raw consume-and-parse baseline and the full pipeline on the same pre-loaded topic, latency at half the
/// pipeline's maximum rate and at a fixed 5,000/s, and memory and throughput per number of active customers.
/// </summary>
public static class BenchCommand
{
    public const string Name = "bench";

    /// <summary>The live run's first seconds are warm-up (the producer's pace settling, lists growing), not measured.</summary>
    private static readonly TimeSpan LatencyWarmUp = TimeSpan.FromSeconds(2);

    /// <summary>The second latency run's rate, the same on every machine, beside half the pipeline's maximum.</summary>
    private const double FixedLatencyRate = 5_000;

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A run under a minute: fewer mentions, a shorter latency run, only the smallest customer count" };
        var output = CommandRunner.OutputFileOption("--out", "Write the figures as JSON to this file, and as an SVG picture beside it (same name, .svg)");
        var redis = new Option<string?>("--redis") { Description = "StackExchange.Redis configuration string of a Redis to use instead of Garnet in a child process (keys are deleted afterwards)" };
        var mentions = new Option<long?>("--mentions") { Description = "Mentions pre-loaded for the throughput comparison, and fed per customer count in the scale phase (default 150000; quick 40000)" };
        var customers = new Option<int?>("--customers") { Description = "Customers the pre-loaded mentions are drawn from (default 10000)" };
        var zipf = new Option<double>("--zipf") { Description = "Exponent s of the Zipf distribution of mentions over customers", DefaultValueFactory = _ => 1.0 };
        var newAuthors = new Option<double>("--new-authors")
        {
            Description = "Share of the mentions by new authors (prospects, each a new entity), 0 to 1; the scale phase has none", DefaultValueFactory = _ => 0.25,
        };
        var scale = new Option<int[]?>("--scale-customers")
        {
            Description = "Customer counts of the scale phase, comma-separated (default 10000,100000,1000000; quick 10000)",
            CustomParser = result => ParseCounts(result.Tokens.Single().Value, result),
        };
        var latency = CommandRunner.DurationOption("--latency-duration", "How long the latency run offers mentions, warm-up excluded (default 30s; quick 6s)", atLeast: "1s");
        var passes = new Option<int>("--baseline-passes") { Description = "Baseline passes over the pre-loaded topic; the best counts", DefaultValueFactory = _ => 3 };
        var warmUp = new Option<long?>("--warm-up") { Description = "Mentions two throw-away nodes process first, half each in turn, so the measured one runs compiled code, not the JIT (default as many as --mentions, at most 60000; 0: none)" };
        var command = new Command(Name, "Measure throughput against a raw-consume baseline, latency at half the maximum rate and at 5,000/s, and memory per active customer")
        {
            quick, output, redis, mentions, customers, zipf, newAuthors, scale, latency, passes, warmUp, BenchRedis.CreateChildCommand(),
        };
        mentions.Validators.Add(r => { if (r.GetValueOrDefault<long?>() is < 1) r.AddError("--mentions must be >= 1"); });
        customers.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 4) r.AddError("--customers must be >= 4 (one per brand at least)"); });
        CommandRunner.Require(zipf, value => value >= 0, "--zipf must be a number >= 0");
        CommandRunner.Require(newAuthors, value => value is >= 0 and <= 1, "--new-authors must be a number within 0..1");
        passes.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--baseline-passes must be >= 1"); });
        warmUp.Validators.Add(r => { if (r.GetValueOrDefault<long?>() is < 0) r.AddError("--warm-up must be >= 0"); });
        command.SetAction((parse, cancellationToken) =>
        {
            var isQuick = parse.GetValue(quick);
            var mentionCount = parse.GetValue(mentions) ?? (isQuick ? 40_000 : 150_000);
            return CommandRunner.Guard(() => RunAsync(new BenchSettings(
                isQuick,
                mentionCount,
                parse.GetValue(customers) ?? 10_000,
                parse.GetValue(zipf),
                parse.GetValue(newAuthors),
                parse.GetResult(scale) is null ? (isQuick ? [10_000] : [10_000, 100_000, 1_000_000]) : parse.GetValue(scale)!,
                parse.GetResult(latency) is null ? TimeSpan.FromSeconds(isQuick ? 6 : 30) : parse.GetValue(latency),
                parse.GetValue(passes),
                parse.GetValue(warmUp) ?? Math.Min(mentionCount, 60_000),
                parse.GetValue(redis),
                parse.GetValue(output)), cancellationToken));
        });
        return command;
    }

    private static int[] ParseCounts(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        var counts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 4 ? count : -1)
            .ToArray();
        if (counts.Length == 0 || counts.Any(count => count < 0))
        {
            result.AddError($"--scale-customers: '{text}' is not a comma-separated list of counts >= 4");
        }
        return counts;
    }

    private static async Task<int> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var run = Stopwatch.StartNew();
        var machineAtStart = MachineCpu.Read();
        var phases = new List<PhaseTime>();
        var catalog = TopicCatalog.LoadDefault();
        Console.WriteLine($"socialcrm bench ({(settings.Quick ? "quick" : "full")}): starting the embedded Kafka mock cluster and {(settings.Redis is null ? "Garnet in a child process" : "connecting to the given Redis")}...");
        using var kafka = BenchKafka.Start(catalog);
        using var gcPauses = new GcPauses();
        await using var redis = settings.Redis is { } given ? await BenchRedis.GivenAsync(given).ConfigureAwait(false) : await BenchRedis.StartGarnetAsync(cancellationToken).ConfigureAwait(false);
        // Every node gets keys of its own: a customer's state from an earlier phase would make its mentions look applied.
        var keyPrefix = "bench" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        try
        {
            var main = await MeasureThroughputAndLatencyAsync(settings, kafka, redis, gcPauses, keyPrefix + "-main", phases, cancellationToken).ConfigureAwait(false);
            var scale = new List<ScaleResult>();
            foreach (var customers in settings.ScaleCustomers)
            {
                var phase = Stopwatch.StartNew();
                scale.Add(await ScalePhase.MeasureAsync(settings, customers, kafka, redis, gcPauses, $"{keyPrefix}-scale{customers}", cancellationToken).ConfigureAwait(false));
                phases.Add(new PhaseTime($"scale {customers:N0}", phase.Elapsed.TotalSeconds));
            }
            var result = new BenchResult(
                settings.Quick ? "quick" : "full",
                new MachineInfo(Environment.ProcessorCount, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription,
                    $"librdkafka mock cluster in this process, {kafka.BrokerCount} brokers", redis.Description,
                    MachineCpu.OtherProcessesShare(machineAtStart, MachineCpu.Read(), redis.ProcessorTime)),
                main.Workload,
                main.Throughput,
                main.Latency,
                scale,
                ScalePhase.HeapMethod,
                ScalePhase.BrokerMethod,
                BenchTargets.Evaluate(main.Throughput, main.Latency, scale),
                phases,
                run.Elapsed.TotalSeconds);
            Console.WriteLine(result.ToText());
            if (settings.Out is { } file)
            {
                await result.WriteJsonAsync(file, cancellationToken).ConfigureAwait(false);
                var picture = BenchChart.PathBeside(file);
                await BenchChart.WriteAsync(result, picture, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"Figures written to {file.FullName}, as a picture to {picture.FullName}");
            }
            Console.WriteLine(result.Headline);
            return ExitCodes.Ok;
        }
        finally
        {
            if (!redis.IsOwned)
            {
                await redis.DeleteKeysAsync(keyPrefix + "-*").ConfigureAwait(false);
            }
        }
    }

    private sealed record MainFigures(WorkloadInfo Workload, ThroughputResult Throughput, IReadOnlyList<LatencyResult> Latency);

    /// <summary>Throw-away nodes started one after the other before the measured one (see <see cref="WarmUpAsync"/>).</summary>
    private const int WarmUpNodes = 2;

    /// <summary>
    /// Pre-load, baseline passes and the pipeline on the same topic, then latency on the same node at half its maximum
    /// rate and at <see cref="FixedLatencyRate"/>.
    /// </summary>
    private static async Task<MainFigures> MeasureThroughputAndLatencyAsync(
        BenchSettings settings, BenchKafka kafka, BenchRedis redis, GcPauses gcPauses, string keyPrefix, List<PhaseTime> phases, CancellationToken cancellationToken)
    {
        var phase = Stopwatch.StartNew();
        var topics = kafka.TopicsFor("main");
        var options = Workload(settings.Customers, settings.ZipfExponent, settings.NewAuthorShare, CustomerChoice.Zipf);
        Console.WriteLine($"Pre-loading {settings.Mentions:N0} mentions into {topics.Mentions}...");
        var preloaded = await kafka.ProduceAsync(topics, new MentionGenerator(options).Next, settings.Mentions, cancellationToken).ConfigureAwait(false);
        var workload = new WorkloadInfo(settings.Mentions, options.Brands.Count * options.CustomersPerBrand, options.Brands.Count,
            settings.ZipfExponent, options.ProspectShare, (double)preloaded.PayloadBytes / preloaded.Records, topics.MentionPartitions);
        phases.Add(new PhaseTime("pre-load", phase.Elapsed.TotalSeconds));

        phase.Restart();
        var passes = new List<ThroughputFigure>();
        for (var pass = 1; pass <= settings.BaselinePasses; pass++)
        {
            Console.WriteLine($"Baseline pass {pass}: raw consume + parse...");
            var cost = new CostMeter(redis);
            var sample = await Task.Run(() => BaselineLoop.Run(kafka.BootstrapServers, topics.Mentions, settings.Mentions, TimeSpan.FromMinutes(5), cost, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            passes.Add(ThroughputFigure.Of(sample, cost));
        }
        var baseline = passes.MaxBy(p => p.PerSecond)!;
        phases.Add(new PhaseTime("baseline", phase.Elapsed.TotalSeconds));

        phase.Restart();
        await WarmUpAsync(settings, kafka, redis, options, keyPrefix + "-warmup", cancellationToken).ConfigureAwait(false);
        phases.Add(new PhaseTime("warm-up", phase.Elapsed.TotalSeconds));

        phase.Restart();
        Console.WriteLine("Full pipeline on the same topic...");
        await using var node = await BenchNode.StartAsync(kafka, redis, topics, keyPrefix, null, cancellationToken).ConfigureAwait(false);
        var pipelineCost = new CostMeter(redis);
        var pipeline = ThroughputFigure.Of(await node.MeasureBacklogAsync(settings.Mentions, pipelineCost, cancellationToken).ConfigureAwait(false), pipelineCost);
        phases.Add(new PhaseTime("pipeline", phase.Elapsed.TotalSeconds));

        // The same mix, continuing in event time where the pre-loaded mentions ended, through both latency runs.
        var live = new MentionGenerator(Continuing(options, settings.Mentions, options.Seed + 1, options.CustomerChoice));
        var latency = new List<LatencyResult>();
        foreach (var (rate, basis) in new[] { (pipeline.PerSecond / 2, "half the measured maximum"), (FixedLatencyRate, "fixed") })
        {
            phase.Restart();
            Console.WriteLine($"Latency at {rate:N0} mentions/s ({basis}) for {(LatencyWarmUp + settings.LatencyDuration).TotalSeconds:N0} s...");
            latency.Add(await MeasureLatencyAsync(node, kafka, gcPauses, live, rate, basis, settings.LatencyDuration, cancellationToken).ConfigureAwait(false));
            phases.Add(new PhaseTime($"latency {rate:N0}/s", phase.Elapsed.TotalSeconds));
        }
        await node.StopAsync(kafka).ConfigureAwait(false);
        return new MainFigures(workload, new ThroughputResult(passes, baseline, pipeline, pipeline.PerSecond / baseline.PerSecond), latency);
    }

    /// <summary>
    /// Throw-away nodes that process mentions of the same mix on topics and keys of their own, one after the other,
    /// each its share of <see cref="BenchSettings.WarmUp"/>: what the measured node then runs, the JIT has compiled (in
    /// this process and in the Garnet child), as in a node that has been running for a while. More than one, because
    /// a node's start-up code becomes hot only when it runs again: with one warm-up node, the measured node (the second
    /// to start) paid for optimizing its own start-up while it worked, 0.6–1.6 s of JIT in its pipeline phase; the
    /// scale phase's nodes, the third start on, paid 0.01–0.15 s.
    /// </summary>
    private static async Task WarmUpAsync(BenchSettings settings, BenchKafka kafka, BenchRedis redis, GeneratorOptions options, string keyPrefix, CancellationToken cancellationToken)
    {
        if (settings.WarmUp == 0)
        {
            return;
        }
        Console.WriteLine($"Warming up: {settings.WarmUp:N0} mentions through {WarmUpNodes} throw-away nodes in turn...");
        var topics = kafka.TopicsFor("warmup");
        // One stream of mentions: the later nodes meet customers the earlier ones stored, so they restore them too.
        var mentions = new MentionGenerator(Continuing(options, 0, options.Seed + 2, options.CustomerChoice));
        for (var turn = 0; turn < WarmUpNodes; turn++)
        {
            var share = settings.WarmUp / WarmUpNodes + (turn < settings.WarmUp % WarmUpNodes ? 1 : 0);
            await kafka.ProduceAsync(topics, mentions.Next, share, cancellationToken).ConfigureAwait(false);
            await using var node = await BenchNode.StartAsync(kafka, redis, topics, keyPrefix, null, cancellationToken).ConfigureAwait(false);
            await node.WaitUntilDoneAsync(share, cancellationToken).ConfigureAwait(false);
            await node.StopAsync(kafka).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Offers live mentions of <paramref name="live"/> at <paramref name="rate"/> to the node, which has done every record
    /// already in its topic, and the same records to a raw consume-and-parse loop in another group (the floor: what
    /// Kafka itself takes here), recording both latencies after the warm-up.
    /// </summary>
    private static async Task<LatencyResult> MeasureLatencyAsync(
        BenchNode node, BenchKafka kafka, GcPauses gcPauses, MentionGenerator live, double rate, string rateBasis, TimeSpan duration, CancellationToken cancellationToken)
    {
        // The records done so far are deleted, so the raw loop, a new group, starts at the first live one.
        kafka.DropConsumed(node.Topics);
        var doneBefore = node.Done;
        var measuredFrom = DateTimeOffset.UtcNow + LatencyWarmUp;
        var pipeline = new LatencyRecorder(node.Topics.Mentions, node.Topics.MentionPartitions, measuredFrom);
        var raw = new LatencyRecorder(node.Topics.Mentions, node.Topics.MentionPartitions, measuredFrom);
        using var stopPruning = new CancellationTokenSource();
        var pruning = kafka.PruneReadAsync(node.Topics, [pipeline, raw], stopPruning.Token);
        var producer = new RecordProducer(kafka.Producer, node.Topics.Mentions);
        var total = (long)Math.Ceiling(rate * (LatencyWarmUp + duration).TotalSeconds);
        // Generated before the clock starts: building mentions is the test's work, not the node's, and on 2 cores it competes.
        var offered = new GeneratedRecord[total];
        for (var i = 0; i < offered.Length; i++)
        {
            offered[i] = live.Next();
        }
        var next = 0;
        var floor = Task.Run(() => BaselineLoop.Run(kafka.BootstrapServers, node.Topics.Mentions, total, TimeSpan.FromMinutes(5),
            new CostMeter(null), cancellationToken, raw), cancellationToken);
        node.Metrics.LatencyObserver = pipeline.Record;
        var clock = Stopwatch.StartNew();
        // The stages' totals as the warm-up ends: the means are of what the node did after it (about the measured records).
        var stagesAfterWarmUp = Task.Delay(LatencyWarmUp, cancellationToken).ContinueWith(_ => node.Metrics.StageTotals, cancellationToken,
            TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        await Task.Run(() => producer.RunAsync(() => offered[next++], rate, total, cancellationToken), cancellationToken).ConfigureAwait(false);
        var offeredFor = clock.Elapsed;
        cancellationToken.ThrowIfCancellationRequested();
        if (producer.Produced != total || producer.Failed != 0)
        {
            throw new InvalidOperationException($"the latency run delivered {producer.Produced:N0} of {total:N0} mentions, {producer.Failed:N0} failed");
        }
        await node.WaitUntilDoneAsync(doneBefore + total, cancellationToken).ConfigureAwait(false);
        node.Metrics.LatencyObserver = null;
        var (waitingForBatchMs, withCustomersMs) = node.Metrics.StageTotals.MeansSince(await stagesAfterWarmUp.ConfigureAwait(false));
        await floor.ConfigureAwait(false);
        await stopPruning.CancelAsync().ConfigureAwait(false);
        await pruning.ConfigureAwait(false);
        var longestGcPause = gcPauses.LongestBetween(measuredFrom.UtcDateTime, DateTime.UtcNow);
        return new LatencyResult(rateBasis, rate, total / offeredFor.TotalSeconds, (offeredFor - LatencyWarmUp).TotalSeconds, LatencyWarmUp.TotalSeconds,
            int.Parse(BenchKafka.FetchWaitMs, CultureInfo.InvariantCulture), pipeline.Percentiles(), raw.Percentiles(),
            longestGcPause.Milliseconds, longestGcPause.Generation, new StageMeans(waitingForBatchMs, withCustomersMs));
    }

    /// <summary>The generator's realistic mix (brands, prospects, churners, a crisis), with <paramref name="customers"/> split over the brands.</summary>
    internal static GeneratorOptions Workload(int customers, double zipfExponent, double newAuthorShare, CustomerChoice choice)
    {
        var options = new GeneratorOptions { CustomerChoice = choice, ZipfExponent = zipfExponent, ProspectShare = newAuthorShare };
        options.CustomersPerBrand = Math.Max(1, customers / options.Brands.Count);
        return options;
    }

    /// <summary>Mentions of the same customers that follow <paramref name="after"/> mentions of <paramref name="options"/> in event time; no second crisis.</summary>
    internal static GeneratorOptions Continuing(GeneratorOptions options, long after, int seed, CustomerChoice choice) => new()
    {
        Seed = seed,
        Brands = options.Brands,
        CustomersPerBrand = options.CustomersPerBrand,
        CustomerChoice = choice,
        ZipfExponent = options.ZipfExponent,
        ProspectShare = options.ProspectShare,
        Start = options.Start + options.EventInterval * after,
        EventInterval = options.EventInterval,
        CrisisAt = null,
    };
}
