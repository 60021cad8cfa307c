using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Observability;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Issue 6's acceptance: a node processing on the embedded parts exposes every required metric on
/// /metrics in valid Prometheus text (promtool, when installed), answers /health/ready with 200,
/// and the Grafana dashboard queries only metrics that exist.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed partial class MetricsTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 4;

    /// <summary>Every family issue 6 requires, with its Prometheus type.</summary>
    public static readonly IReadOnlyDictionary<string, string> RequiredFamilies = new Dictionary<string, string>
    {
        ["socialcrm_mentions_consumed_total"] = "counter",
        ["socialcrm_mentions_processed_total"] = "counter",
        ["socialcrm_consumer_lag_records"] = "gauge",
        ["socialcrm_processing_latency_seconds"] = "histogram",
        ["socialcrm_event_latency_seconds"] = "histogram",
        ["socialcrm_pipeline_stage_seconds"] = "histogram",
        ["socialcrm_alerts_total"] = "counter",
        ["socialcrm_triggers_total"] = "counter",
        ["socialcrm_dead_letters_total"] = "counter",
        ["socialcrm_records_in_flight"] = "gauge",
        ["socialcrm_redis_write_duration_seconds"] = "histogram",
        ["socialcrm_redis_errors_total"] = "counter",
        ["socialcrm_kafka_produce_errors_total"] = "counter",
        ["socialcrm_active_entities"] = "gauge",
        ["socialcrm_entity_passivations_total"] = "counter",
        ["socialcrm_misaligned_records_total"] = "counter",
        ["socialcrm_misrouted_records_total"] = "counter",
        ["socialcrm_cluster_members"] = "gauge",
    };

    /// <summary>The .NET runtime's families (issue 18): CPU, memory, GC and thread pool, each with a value.</summary>
    public static readonly IReadOnlyDictionary<string, string> RuntimeFamilies = new Dictionary<string, string>
    {
        ["process_cpu_seconds_total"] = "counter",
        ["process_working_set_bytes"] = "gauge",
        ["dotnet_collection_count_total"] = "counter",
        ["dotnet_total_memory_bytes"] = "gauge",
        ["dotnet_gc_pause_seconds_total"] = "counter",
        ["dotnet_gc_heap_size_bytes"] = "gauge",
        ["dotnet_gc_allocated_bytes_total"] = "counter",
        ["dotnet_threadpool_threads"] = "gauge",
        ["dotnet_threadpool_queued_items"] = "gauge",
        ["dotnet_threadpool_completed_items_total"] = "counter",
    };

    private static readonly SemaphoreSlim ScrapeGate = new(1, 1);
    private static Scrape? _scrape;

    private sealed record Scrape(string Metrics, HttpStatusCode Ready, string ReadyBody);

    [Fact]
    public async Task Metrics_has_every_required_family_with_its_type_and_ready_is_200()
    {
        var scrape = await ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, scrape.Ready);
        var types = TypeLine().Matches(scrape.Metrics).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.All(RequiredFamilies, family =>
        {
            Assert.True(types.TryGetValue(family.Key, out var type), $"{family.Key} is missing from /metrics");
            Assert.Equal(family.Value, type);
        });
        // Counters, and only counters, end in _total (Prometheus naming).
        Assert.All(types, t => Assert.Equal(t.Key.EndsWith("_total", StringComparison.Ordinal), t.Value == "counter"));

        Assert.True(Sample(scrape.Metrics, "socialcrm_mentions_processed_total", "outcome=\"applied\"") > 0);
        Assert.Equal(3, Sample(scrape.Metrics, "socialcrm_mentions_processed_total", "outcome=\"dead_lettered\""));
        Assert.Equal(3, Sample(scrape.Metrics, "socialcrm_dead_letters_total"));
        Assert.Equal(1, Sample(scrape.Metrics, "socialcrm_misaligned_records_total"));
        // One node: every entity is local to the consumer, so no remote hop.
        Assert.Equal(0, Sample(scrape.Metrics, "socialcrm_misrouted_records_total"));
        Assert.True(Sample(scrape.Metrics, "socialcrm_mentions_consumed_total") >= 403);
        Assert.True(Sample(scrape.Metrics, "socialcrm_processing_latency_seconds_count") >= 403);
        Assert.True(Sample(scrape.Metrics, "socialcrm_event_latency_seconds_count") >= 400);
        // Each record in both stages: before its batch, and with the customers (the dead-lettered ones wait for their batch too).
        Assert.True(Sample(scrape.Metrics, "socialcrm_pipeline_stage_seconds_count", "stage=\"waiting_for_batch\"") >= 403);
        Assert.True(Sample(scrape.Metrics, "socialcrm_pipeline_stage_seconds_count", "stage=\"with_customers\"") >= 400);
        Assert.True(Sample(scrape.Metrics, "socialcrm_redis_write_duration_seconds_count") > 0);
        // Every flush went out in a script call, no call without one.
        var flushCalls = Sample(scrape.Metrics, "socialcrm_redis_flush_calls_total");
        Assert.InRange(flushCalls, 1, Sample(scrape.Metrics, "socialcrm_redis_flushes_total"));
        Assert.True(Sample(scrape.Metrics, "socialcrm_active_entities", "type=\"customer\"") > 0);
        Assert.Equal(1, Sample(scrape.Metrics, "socialcrm_cluster_members", "status=\"up\""));
        Assert.Equal(Partitions, scrape.Metrics.Split('\n').Count(l => l.StartsWith("socialcrm_consumer_lag_records{", StringComparison.Ordinal) && l.Contains("mentions", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Metrics_has_the_dotnet_runtime_families_with_values()
    {
        var scrape = await ScrapeAsync();
        var types = TypeLine().Matches(scrape.Metrics).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.All(RuntimeFamilies, family =>
        {
            Assert.True(types.TryGetValue(family.Key, out var type), $"{family.Key} is missing from /metrics");
            Assert.Equal(family.Value, type);
        });
        // A node that processed 400 mentions has used CPU, memory, allocations and pool threads.
        Assert.All(new[] { "process_cpu_seconds_total", "process_working_set_bytes", "dotnet_total_memory_bytes", "dotnet_gc_heap_size_bytes",
                "dotnet_gc_allocated_bytes_total", "dotnet_threadpool_threads", "dotnet_threadpool_completed_items_total" },
            name => Assert.True(Sample(scrape.Metrics, name) > 0, $"{name} is not above 0"));
        Assert.True(Sample(scrape.Metrics, "dotnet_collection_count_total") > 0, "no garbage collection counted");
    }

    [Fact]
    public async Task Two_nodes_in_one_process_each_expose_the_runtime_families()
    {
        var topics = new ProcessorTopics("m", 4, "p", "dlq", "alerts", "triggers", "erasures");
        var nodes = new[] { new ProcessorMetrics(topics), new ProcessorMetrics(topics) };
        foreach (var node in nodes)
        {
            using var text = new MemoryStream();
            await node.Registry.CollectAndExportAsTextAsync(text);
            var metrics = Encoding.UTF8.GetString(text.ToArray());
            var types = TypeLine().Matches(metrics).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            Assert.All(RuntimeFamilies.Keys, family => Assert.True(types.ContainsKey(family), $"{family} is missing from a second node's registry"));
            Assert.True(Sample(metrics, "dotnet_gc_allocated_bytes_total") > 0);
        }
    }

    [Fact]
    public async Task Done_records_are_counted_per_partition_and_outcome_and_timed_per_topic()
    {
        var topics = new ProcessorTopics("m", 2, "p", "dlq", "alerts", "triggers", "erasures");
        var metrics = new ProcessorMetrics(topics);
        var writtenAt = DateTimeOffset.UtcNow;
        ConsumedRecord Record(string topic, int partition) => new(topic, new SourcePosition(partition, 7), null, [], null, writtenAt.AddSeconds(-3));
        metrics.RecordDone(Record("m", 0), null, deadLettered: false, writtenAt);
        metrics.RecordDone(Record("m", 0), null, deadLettered: false, writtenAt);
        metrics.RecordDone(Record("m", 1), null, deadLettered: true, writtenAt);
        // A partition the topic gained after the node started, and a profile record (not a mention: not counted as one).
        metrics.RecordDone(Record("m", 5), null, deadLettered: false, writtenAt);
        metrics.RecordDone(Record("p", 0), null, deadLettered: false, writtenAt);
        metrics.EntityStarted(CustomerShardingExtensions.TypeName);
        metrics.EntityStarted(CustomerShardingExtensions.TypeName);
        metrics.EntityStopped(CustomerShardingExtensions.TypeName);
        metrics.EntityStarted(BrandShardingExtensions.TypeName);

        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text);
        var scrape = Encoding.UTF8.GetString(text.ToArray());
        Assert.Equal(2, Sample(scrape, "socialcrm_mentions_processed_total", "partition=\"0\",outcome=\"applied\""));
        Assert.Equal(0, Sample(scrape, "socialcrm_mentions_processed_total", "partition=\"0\",outcome=\"dead_lettered\""));
        Assert.Equal(1, Sample(scrape, "socialcrm_mentions_processed_total", "partition=\"1\",outcome=\"dead_lettered\""));
        Assert.Equal(1, Sample(scrape, "socialcrm_mentions_processed_total", "partition=\"5\",outcome=\"applied\""));
        Assert.Equal(4, Sample(scrape, "socialcrm_mentions_processed_total"));
        Assert.Equal(4, Sample(scrape, "socialcrm_processing_latency_seconds_count", "topic=\"m\""));
        Assert.Equal(1, Sample(scrape, "socialcrm_processing_latency_seconds_count", "topic=\"p\""));
        Assert.Equal(0, Sample(scrape, "socialcrm_processing_latency_seconds_bucket", "topic=\"m\",le=\"2.5\""));
        Assert.Equal(1, Sample(scrape, "socialcrm_active_entities", "type=\"customer\""));
        Assert.Equal(1, Sample(scrape, "socialcrm_active_entities", "type=\"brand\""));
    }

    [Fact]
    public async Task Promtool_check_metrics_finds_no_problem()
    {
        var scrape = await ScrapeAsync();
        var promtool = FindOnPath("promtool");
        if (promtool is null)
        {
            output.WriteLine("SKIPPED the promtool part: promtool is not on PATH (Debian: apt-get install prometheus)");
            return;
        }
        var start = new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(scrape.Metrics);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var report = (await stdout + await stderr).Trim();
        output.WriteLine($"promtool check metrics: exit {process.ExitCode}{(report.Length > 0 ? ": " + report : ", no problems")}");
        Assert.True(process.ExitCode == 0 && report.Length == 0, $"promtool check metrics (exit {process.ExitCode}):\n{report}");
    }

    [Fact]
    public async Task Every_metric_the_dashboard_queries_is_on_metrics()
    {
        var scrape = await ScrapeAsync();
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "k8s", "grafana", "socialcrm-dashboard.json")));
        var queried = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .SelectMany(t => MetricName().Matches(t.GetProperty("expr").GetString()!).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(queried);
        var exposed = scrape.Metrics.Split('\n').Where(l => MetricName().Match(l) is { Success: true, Index: 0 })
            .Select(l => l[..l.IndexOfAny(['{', ' '])]).ToHashSet(StringComparer.Ordinal);
        Assert.All(queried, name => Assert.True(exposed.Contains(name), $"the dashboard queries {name}, which /metrics does not have"));
        Assert.All(RequiredFamilies.Keys.Where(f => f is not "socialcrm_mentions_consumed_total" and not "socialcrm_records_in_flight"
                and not "socialcrm_redis_errors_total" and not "socialcrm_active_entities" and not "socialcrm_entity_passivations_total"
                and not "socialcrm_misaligned_records_total" and not "socialcrm_misrouted_records_total" and not "socialcrm_event_latency_seconds" and not "socialcrm_triggers_total"
                and not "socialcrm_kafka_produce_errors_total"),
            family => Assert.Contains(queried, q => q.StartsWith(family, StringComparison.Ordinal)));
    }

    [Fact]
    public void Stage_means_are_per_record_between_two_readings()
    {
        var metrics = new ProcessorMetrics(new ProcessorTopics("m", 1, "p", "dlq", "alerts", "triggers", "erasures"));
        var startedAt = DateTimeOffset.UtcNow;
        ConsumedRecord Appended(int msBefore) => new("m", new SourcePosition(0, msBefore), null, [], null, startedAt.AddMilliseconds(-msBefore));
        metrics.BatchStarted([Appended(1_000)], startedAt);
        metrics.CustomersAnswered(1, TimeSpan.FromSeconds(1));
        var earlier = metrics.StageTotals;
        Assert.Equal((0, 0), metrics.StageTotals.MeansSince(earlier));

        metrics.BatchStarted([Appended(10), Appended(30)], startedAt);
        metrics.CustomersAnswered(2, TimeSpan.FromMilliseconds(8));
        metrics.CustomersAnswered(2, TimeSpan.FromMilliseconds(12));

        var (toBatch, withCustomers) = metrics.StageTotals.MeansSince(earlier);
        Assert.Equal(20, toBatch, precision: 6);
        Assert.Equal(10, withCustomers, precision: 6);
    }

    [Fact]
    public async Task Signals_written_are_counted_by_the_kind_and_priority_their_json_names()
    {
        var metrics = new ProcessorMetrics(new ProcessorTopics("m", 1, "p", "dlq", "alerts", "triggers", "erasures"));
        var at = new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
        var alert = new CrisisAlert
        {
            Id = "crs-1", Brand = "acme", Priority = Priority.P1, EventTime = at, DetectedAt = at, Reasons = ["r"], Evidence = [],
            Kind = CrisisKind.InfluencerNegative, Entity = "acme:C-1", Severity = 9, Summary = "s",
        };
        var trigger = new LifecycleTrigger
        {
            Id = "trg-1", Brand = "acme", Priority = Priority.P2, EventTime = at, DetectedAt = at, Reasons = ["r"], Evidence = [],
            Type = TriggerType.TerminationReview, Entity = "acme:C-1", RiskScore = 0.9, ValueTier = ValueTier.Gold, SuggestedAction = "a",
        };
        OutboundSignal[] signals = [alert.ToOutbound(), trigger.ToOutbound(), alert.ToOutbound()];
        metrics.SignalsWritten(signals);

        // The labels are what the JSON says: a dashboard filtering on a field of the alert finds the same value.
        using (var json = JsonDocument.Parse(signals[0].Json))
        {
            Assert.Equal((json.RootElement.GetProperty("kind").GetString(), json.RootElement.GetProperty("priority").GetString()), (signals[0].Kind, signals[0].Priority));
        }
        using (var json = JsonDocument.Parse(signals[1].Json))
        {
            Assert.Equal((json.RootElement.GetProperty("type").GetString(), json.RootElement.GetProperty("priority").GetString()), (signals[1].Kind, signals[1].Priority));
        }
        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text);
        var scrape = Encoding.UTF8.GetString(text.ToArray());
        Assert.Equal(2, Sample(scrape, "socialcrm_alerts_total", "kind=\"influencer-negative\",priority=\"P1\""));
        Assert.Equal(1, Sample(scrape, "socialcrm_triggers_total", "kind=\"termination-review\",priority=\"P2\""));
    }

    /// <summary>One node, once per test run: 400 valid mentions, 3 malformed, 1 on the wrong partition; then /metrics and /health/ready.</summary>
    private async Task<Scrape> ScrapeAsync()
    {
        await ScrapeGate.WaitAsync();
        try
        {
            return _scrape ??= await RunNodeAndScrapeAsync();
        }
        finally
        {
            ScrapeGate.Release();
        }
    }

    private async Task<Scrape> RunNodeAndScrapeAsync()
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(RedisServers.Garnet), Partitions);
        var generator = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 100, Seed = 3 });
        var records = new List<GeneratedRecord>();
        for (var i = 0; i < 403; i++)
        {
            records.Add(i % 150 == 75 ? generator.NextMalformed() : generator.Next());
        }
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        // A mention on another partition than its key hashes to: counted as misaligned, still processed.
        var stray = generator.Next();
        using (var producer = new ProducerBuilder<string?, byte[]>(kafka.ProducerConfig()).Build())
        {
            var wrong = (KafkaPartitioner.PartitionFor(stray.Key!, Partitions) + 1) % Partitions;
            await producer.ProduceAsync(new TopicPartition(scenario.Topics.Mentions, wrong), new Message<string?, byte[]> { Key = stray.Key, Value = stray.Value });
        }

        await using var node = scenario.StartNode();
        await node.StartAsync();
        await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
        using var http = new HttpClient { BaseAddress = new Uri(node.Host.Urls.First()), Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        HttpResponseMessage ready;
        while (true)
        {
            ready = await http.GetAsync("/health/ready");
            if (ready.StatusCode == HttpStatusCode.OK || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }
            await Task.Delay(200);
        }
        var readyBody = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        // Lag is refreshed once a second: wait for a value for every mention partition.
        string metrics;
        do
        {
            await Task.Delay(250);
            metrics = await http.GetStringAsync("/metrics");
        }
        while (metrics.Split('\n').Count(l => l.StartsWith("socialcrm_consumer_lag_records{", StringComparison.Ordinal)
                && l.Contains(scenario.Topics.Mentions, StringComparison.Ordinal)) < Partitions
            && deadline.Elapsed < TimeSpan.FromSeconds(30));
        await node.StopAsync();
        return new Scrape(metrics, ready.StatusCode, readyBody);
    }

    /// <summary>The sum of a family's samples whose labels contain <paramref name="labelFilter"/>.</summary>
    private static double Sample(string metrics, string name, string labelFilter = "") =>
        metrics.Split('\n')
            .Where(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
                && l.Contains(labelFilter, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"\b(?:socialcrm|dotnet|process)_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
