using System.Diagnostics;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// <c>socialcrm run</c> as its own process, stopped with SIGTERM as Kubernetes does: the exit is bounded by
/// <c>Kafka:DrainTimeout</c> plus a few seconds whatever state Kafka and Redis are in, is 0 only when everything
/// was drained, and a restart counts every mention exactly once. Each test has its own mock cluster (the
/// topic names of topology/ are fixed) and its own redis-server.
/// </summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(8);
    /// <summary>Leaving the cluster after the drain (ProcessorNode.LeaveTimeout, 5 s), disposing, and the runtime's own exit.</summary>
    private static readonly TimeSpan FewSeconds = TimeSpan.FromSeconds(9);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private static Dictionary<string, string?> Settings(ProcessorScenario scenario)
    {
        var settings = scenario.ProcessSettings();
        settings["Kafka:DrainTimeout"] = DrainTimeout.ToString();
        // A bounded prefetch, so what is in flight at SIGTERM can be drained within the deadline on this machine.
        settings["Kafka:MaxInFlightPerPartition"] = "250";
        return settings;
    }

    private static List<GeneratedRecord> Mentions(int count, int seed) =>
        new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 3_000, Seed = seed, CrisisAt = null }).Generate(count).ToList();

    private static Dictionary<string, long> Expected(IEnumerable<GeneratedRecord> records) =>
        records.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());

    private static async Task WaitUntilProcessedAsync(HostProcess node, double atLeast, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while ((await node.MetricAsync("socialcrm_mentions_processed_total") ?? 0) < atLeast)
        {
            if (node.HasExited || clock.Elapsed > timeout)
            {
                throw new TimeoutException($"fewer than {atLeast} mentions processed in {clock.Elapsed}:{Environment.NewLine}{node.Output}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A second process with the same group finishes the topic; then every customer's count is exact.</summary>
    private async Task RestartAndAssertExactCountsAsync(ProcessorScenario scenario, IReadOnlyList<GeneratedRecord> records)
    {
        await using (var again = HostProcess.StartRun(scenario.Kafka.BootstrapServers, scenario.Redis.ConnectionString, Settings(scenario)))
        {
            await again.WaitUntilReadyAsync(StartTimeout);
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(180));
            var (code, elapsed) = await again.TerminateAndWaitAsync(DrainTimeout + FewSeconds);
            output.WriteLine($"restarted node: idle SIGTERM -> exit {code} in {elapsed.TotalSeconds:N1} s");
            Assert.Equal(0, code);
        }
        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(Expected(records).OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
    }

    [Fact]
    public async Task Sigterm_under_load_drains_commits_and_exits_0_and_a_restart_counts_every_mention_once()
    {
        using var kafka = MockKafkaFixture.WithBrokers(3);
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.ForCatalogTopics(kafka, redis);
        var records = Mentions(60_000, seed: 31);
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));

        await using (var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, Settings(scenario)))
        {
            await node.WaitUntilReadyAsync(StartTimeout);
            await WaitUntilProcessedAsync(node, 5_000, TimeSpan.FromSeconds(120));
            var (code, elapsed) = await node.TerminateAndWaitAsync(DrainTimeout + FewSeconds);
            output.WriteLine($"SIGTERM under load -> exit {code} in {elapsed.TotalSeconds:N1} s (deadline {DrainTimeout.TotalSeconds} s)");
            output.WriteLine(node.Output);
            Assert.Equal(0, code);
            Assert.Contains("Stopped consuming", node.Output, StringComparison.Ordinal);
        }
        await RestartAndAssertExactCountsAsync(scenario, records);
    }

    [Fact]
    public Task Sigterm_with_Redis_frozen_exits_within_the_deadline_non_zero_and_loses_nothing() =>
        SigtermDuringFaultAsync("Redis frozen", 32,
            fault: (_, redis) => redis.Freeze(), repair: (_, redis) => redis.Thaw(), settle: TimeSpan.FromMilliseconds(500), mustFail: true);

    /// <summary>The code may be 0 when the last commit got through before the client noticed; it must come within the deadline.</summary>
    [Fact]
    public Task Sigterm_with_every_broker_down_exits_within_the_deadline() =>
        SigtermDuringFaultAsync("the brokers down", 33,
            // Long enough for the client to notice: the final commit and the group leave then cannot reach anyone.
            fault: (kafka, _) => kafka.Cluster.SetBrokerDown(-1), repair: (kafka, _) => kafka.Cluster.SetBrokerUp(-1), settle: TimeSpan.FromSeconds(2), mustFail: false);

    /// <summary>
    /// Load, a fault, SIGTERM: the process exits within the deadline (non-zero when <paramref name="mustFail"/>: work was
    /// abandoned); after the repair a restarted node counts every mention exactly once.
    /// </summary>
    private async Task SigtermDuringFaultAsync(string what, int seed, Action<MockKafkaFixture, RedisServer> fault, Action<MockKafkaFixture, RedisServer> repair,
        TimeSpan settle, bool mustFail)
    {
        using var kafka = MockKafkaFixture.WithBrokers(3);
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.ForCatalogTopics(kafka, redis);
        var records = Mentions(30_000, seed);
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));

        await using (var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, Settings(scenario)))
        {
            await node.WaitUntilReadyAsync(StartTimeout);
            await WaitUntilProcessedAsync(node, 2_000, TimeSpan.FromSeconds(120));
            fault(kafka, redis);
            try
            {
                await Task.Delay(settle);
                var (code, elapsed) = await node.TerminateAndWaitAsync(DrainTimeout + FewSeconds);
                output.WriteLine($"SIGTERM with {what} -> exit {code} in {elapsed.TotalSeconds:N1} s (deadline {DrainTimeout.TotalSeconds} s)");
                output.WriteLine(node.Output);
                Assert.NotNull(code);
                if (mustFail)
                {
                    Assert.NotEqual(0, code);
                }
            }
            finally
            {
                repair(kafka, redis);
            }
        }
        await RestartAndAssertExactCountsAsync(scenario, records);
    }

    [Fact]
    public async Task Sigterm_stops_the_demo_generator_first_and_the_demo_exits_0_within_the_deadline()
    {
        await using var demo = HostProcess.Start(["demo", "--rate", "1500"]);
        await demo.WaitForOutputAsync("processed", TimeSpan.FromSeconds(90));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (code, elapsed) = await demo.TerminateAndWaitAsync(TimeSpan.FromSeconds(15) + FewSeconds);
        output.WriteLine($"demo: SIGTERM -> exit {code} in {elapsed.TotalSeconds:N1} s (deadline 15 s)");
        output.WriteLine(demo.Output);
        Assert.Equal(0, code);
        Assert.Contains("Done in", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Kafka_property_the_client_refuses_stops_start_up_with_exit_2_naming_the_setting()
    {
        using var kafka = MockKafkaFixture.WithBrokers(1);
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.ForCatalogTopics(kafka, redis);
        var settings = scenario.ProcessSettings();
        settings["Kafka:Properties:no.such.property"] = "1";
        await using var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, settings);
        var code = await node.WaitForExitAsync(StartTimeout);
        output.WriteLine(node.Output);
        Assert.Equal(2, code);
        Assert.Contains("Kafka:Properties:no.such.property", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fatal_consumer_error_stops_the_process_with_exit_1_instead_of_a_node_that_consumes_nothing()
    {
        using var kafka = MockKafkaFixture.WithBrokers(3);
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.ForCatalogTopics(kafka, redis);
        kafka.Produce(scenario.Topics.Mentions, Mentions(2_000, seed: 34).Select(r => (r.Key, r.Value)));
        var settings = Settings(scenario);
        // A static member: another consumer with its group.instance.id fences it, which the client reports as fatal.
        settings["Kafka:Properties:group.instance.id"] = "socialcrm-0";
        await using var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, settings);
        await node.WaitUntilReadyAsync(StartTimeout);
        await WaitUntilProcessedAsync(node, 1_000, TimeSpan.FromSeconds(120));
        kafka.Cluster.PushRequestErrors(Kafka.Embedded.KafkaApiKeys.Heartbeat,
            Confluent.Kafka.ErrorCode.FencedInstanceId, Confluent.Kafka.ErrorCode.FencedInstanceId, Confluent.Kafka.ErrorCode.FencedInstanceId);
        var clock = Stopwatch.StartNew();
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"fenced -> exit {code} after {clock.Elapsed.TotalSeconds:N1} s");
        output.WriteLine(node.Output);
        Assert.Equal(1, code);
        Assert.Contains("the Kafka consume loop failed", node.Output, StringComparison.Ordinal);
    }
    /// <summary>
    /// The producer's librdkafka lines went to stderr in librdkafka's own format (<c>%3|1796290910.455|ERROR|rdkafka#producer-1| ...</c>),
    /// past the host's log levels and formatter, while the consumer's were in the log: a log pipeline that parses the
    /// host's lines could not read them. Both clients' lines are now in the host's log.
    /// </summary>
    [Fact]
    public async Task A_Kafka_that_cannot_be_reached_is_told_in_the_nodes_log_by_both_clients_never_in_librdkafkas_own_lines()
    {
        using var redis = RedisServers.Start(RedisServers.Redis);
        var settings = new Dictionary<string, string?> { ["Metrics:Port"] = "0", ["Cluster:Port"] = "0", ["Kafka:DrainTimeout"] = "3s" };
        await using var node = HostProcess.StartRun($"127.0.0.1:{FreePort.Next()}", redis.ConnectionString, settings);

        await node.WaitForOutputAsync("Kafka producer error", TimeSpan.FromSeconds(60));
        await node.WaitForOutputAsync("Kafka consumer error", TimeSpan.FromSeconds(60));
        var (code, _) = await node.TerminateAndWaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine(node.Output);

        Assert.Equal(0, code);
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex(@"(^|\n)%\d\|", System.Text.RegularExpressions.RegexOptions.None), node.Output);
    }
}
