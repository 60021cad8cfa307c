using System.Diagnostics;
using Confluent.Kafka;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Mentions written by a transactional producer (Kafka Connect, a Kafka Streams application with exactly-once, a
/// transactional bridge): each commit leaves a marker in the log, an offset of its own that no consumer is given, so
/// a processor that committed "last record + 1" would hold every partition's lag at 1 and never reach the log end.
/// Aborted transactions are not produced here: the librdkafka mock cluster hands their records to a read_committed
/// consumer (its Fetch reports no aborted transaction), so only a real broker can show that the processor skips them
/// (it reads read_committed, and refuses Kafka:Properties:isolation.level at start-up: ConfigurationValidationTests).
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class TransactionalInputTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const int Partitions = 4;

    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task Mentions_of_a_transactional_producer_are_counted_once_and_its_commit_markers_leave_no_lag(string server)
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), Partitions);
        var records = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 200, Seed = 41, CrisisAt = null }).Generate(5_000).ToList();
        var config = kafka.ProducerConfig();
        config.TransactionalId = "socialcrm-test-" + Guid.NewGuid().ToString("N")[..8];
        using (var producer = new ProducerBuilder<string?, byte[]>(config).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            foreach (var transaction in records.Chunk(500))
            {
                producer.BeginTransaction();
                foreach (var record in transaction)
                {
                    producer.Produce(scenario.Topics.Mentions, new Message<string?, byte[]> { Key = record.Key, Value = record.Value });
                }
                producer.CommitTransaction(TimeSpan.FromSeconds(30));
            }
        }
        // Each commit left a marker on every partition it wrote to: the log holds more offsets than records.
        Assert.True(kafka.GetHighWatermarks(scenario.Topics.Mentions, Partitions).Values.Sum() > records.Count, "no transaction markers in the log");

        var clock = Stopwatch.StartNew();
        await using (var node = scenario.StartNode())
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"committed at log end after {clock.Elapsed.TotalSeconds:N1} s");
            await node.StopAsync();
        }

        var counts = await scenario.ReadMentionCountsAsync();
        var expected = records.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
    }
}
