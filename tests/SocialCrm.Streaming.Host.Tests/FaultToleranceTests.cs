using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>The delivery promise under crashes and outages: no mention lost, none counted twice.</summary>
[Collection(RedisServersFixture.Collection)]
public sealed class FaultToleranceTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 8;

    private static ProcessorNode Node(ProcessorScenario scenario, SocialCrmOptions options) =>
        new(options, scenario.Topics, new RulesOptions(), configureLogging: logging => logging.SetMinimumLevel(LogLevel.Warning));

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in time");
            await Task.Delay(50);
        }
    }

    private static Dictionary<string, long> Expected(IEnumerable<GeneratedRecord> records) =>
        records.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_processor_killed_mid_run_and_restarted_counts_every_mention_exactly_once(string server)
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), Partitions);
        var records = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 400, Seed = 21, CrisisAt = null }).Generate(40_000).ToList();
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));

        await using (var first = Node(scenario, scenario.Options()))
        {
            await first.StartAsync();
            await WaitUntil(() => first.Stats.Processed >= 15_000, TimeSpan.FromSeconds(60));
            // As a crash would: the consumer goes without draining or committing; then the node is torn down.
            await first.Service.AbandonAsync();
            output.WriteLine($"{server}: killed after {first.Stats.Processed} processed");
        }
        var committedAtKill = kafka.GetCommittedOffsets(scenario.GroupId, scenario.Topics.Mentions, Partitions).Values.Sum(v => v ?? 0);
        Assert.True(committedAtKill < 40_000, "the kill must leave work to replay");

        await using (var second = Node(scenario, scenario.Options()))
        {
            await second.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            await second.StopAsync();
            output.WriteLine($"{server}: restart replayed from {committedAtKill} committed records; processed {second.Stats.Processed} asks");
        }

        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(Expected(records).OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
        var signals = await scenario.ReadSignalsAsync();
        Assert.Equal(signals.Count, signals.Select(s => s.Id).Distinct().Count());
    }

    /// <summary>
    /// Real Redis only: it restarts with its data (append-only file). Garnet runs inside this process without
    /// persistence here, so its restart would come back empty: a different fault, not this one.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_redis_outage_pauses_processing_with_bounded_memory_and_loses_nothing(string server)
    {
        using var redis = RedisServers.StartPersistent();
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var records = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 400, Seed = 22, CrisisAt = null }).Generate(40_000).ToList();
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        var options = scenario.Options();
        options.Pipeline.AskTimeout = TimeSpan.FromSeconds(2);
        options.Kafka.MaxInFlightPerPartition = 500;

        await using (var node = Node(scenario, options))
        {
            await node.StartAsync();
            await WaitUntil(() => node.Stats.Processed >= 10_000, TimeSpan.FromSeconds(60));
            redis.Stop();
            var processedAtStop = node.Stats.Processed;
            await Task.Delay(TimeSpan.FromSeconds(5));
            var processedDuringOutage = node.Stats.Processed - processedAtStop;
            redis.Restart();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
            await node.StopAsync();
            var consumer = await node.Service.Consumer;
            output.WriteLine($"{server}: {processedDuringOutage} confirmed during the 5 s outage; max in flight {consumer.MaxInFlight}; ask retries {node.Stats.AskRetries}");
            // Backpressure: the pipeline holds at most the per-partition cap of every partition (plus what the client hands over as it pauses).
            Assert.InRange(consumer.MaxInFlight, 1, Partitions * (options.Kafka.MaxInFlightPerPartition + 2));
        }

        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(Expected(records).OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
    }
}
