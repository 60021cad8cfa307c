using System.Text;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Testing;
using SocialCrm.Streaming.Testing.Logging;
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
    public async Task Broker_faults_during_a_run_lose_nothing_and_count_nothing_twice(string server)
    {
        using var faultyKafka = MockKafkaFixture.WithBrokers(3);
        var scenario = ProcessorScenario.Create(faultyKafka, servers.Get(server), Partitions);
        var records = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 5_000, Seed = 23, EventInterval = TimeSpan.FromMilliseconds(20), CrisisAt = 120_000, CrisisLength = 6_000 })
            .Generate(200_000).ToList();
        var options = WithLongLists(scenario.Options());
        // Under injected Produce errors the mock can let one in-flight batch of an idempotent producer overtake
        // another and lose it (a real broker rejects that as out of sequence): one request at a time.
        options.Kafka.Properties["max.in.flight.requests.per.connection"] = "1";
        var cluster = faultyKafka.Cluster;

        var positions = new List<Confluent.Kafka.TopicPartitionOffset>(records.Count);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using (var node = Node(scenario, options))
        {
            await node.StartAsync();
            // Produced while the processor runs, as a live feed arrives: the mock keeps only 5 MiB per partition, so the
            // backlog stays well below that (a broker's retention is the same limit, only larger), in every partition:
            // one stuck behind the slow broker must not be outgrown while the others go on.
            var producing = Task.Run(async () =>
            {
                long produced = 0;
                foreach (var chunk in records.Chunk(20_000))
                {
                    await WaitUntil(() => node.Stats.Processed >= produced - 40_000 && scenario.BacklogFitsEveryPartition(6_000), TimeSpan.FromSeconds(240));
                    positions.AddRange(faultyKafka.Produce(scenario.Topics.Mentions, chunk.Select(r => (r.Key, r.Value))));
                    produced += chunk.Length;
                }
            });
            await WaitUntil(() => node.Stats.Processed >= 30_000, TimeSpan.FromSeconds(90));
            cluster.SetBrokerRtt(3, TimeSpan.FromMilliseconds(200));
            cluster.PushRequestErrors(Kafka.Embedded.KafkaApiKeys.Fetch,
                Confluent.Kafka.ErrorCode.NotLeaderForPartition, Confluent.Kafka.ErrorCode.RequestTimedOut, Confluent.Kafka.ErrorCode.NotLeaderForPartition);
            cluster.PushRequestErrors(Kafka.Embedded.KafkaApiKeys.OffsetCommit,
                Confluent.Kafka.ErrorCode.RequestTimedOut, Confluent.Kafka.ErrorCode.NotCoordinatorForGroup);
            cluster.PushRequestErrors(Kafka.Embedded.KafkaApiKeys.Produce,
                Confluent.Kafka.ErrorCode.NotEnoughReplicas, Confluent.Kafka.ErrorCode.RequestTimedOut);
            cluster.SetBrokerDown(2);
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.SetBrokerUp(2);
            cluster.MovePartitionLeader(scenario.Topics.Mentions, 0, 3);
            // The slow broker stays slow for a while, not for the rest of the run (that only stretches the test).
            await Task.Delay(TimeSpan.FromSeconds(8));
            cluster.SetBrokerRtt(3, TimeSpan.Zero);
            await producing;
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(240));
            await node.StopAsync();
            var consumer = await node.Service.Consumer;
            output.WriteLine($"{server}: 200,000 mentions with faults in {clock.Elapsed.TotalSeconds:N1} s ({200_000 / clock.Elapsed.TotalSeconds:N0}/s); " +
                $"max in flight {consumer.MaxInFlight}; ask retries {node.Stats.AskRetries}; dead-lettered {node.Stats.DeadLettered}");
        }

        // Every generated record is in the topic: a shortfall below would be the processor's, not the input's.
        Assert.Equal(records.Count, faultyKafka.GetHighWatermarks(scenario.Topics.Mentions, Partitions).Values.Sum());
        var counts = await scenario.ReadMentionCountsAsync();
        var expected = Expected(records);
        foreach (var (entity, count) in expected.Where(e => counts.GetValueOrDefault(e.Key) != e.Value).Take(3))
        {
            // Where a miscounted customer's records are, beside its stored hash (watermarks included).
            var at = records.Select((r, i) => (r, i)).Where(p => p.r.EntityId == entity).Select(p => positions[p.i].ToString());
            output.WriteLine($"{entity}: expected {count}, stored {counts.GetValueOrDefault(entity)}; records at {string.Join(", ", at)}; " +
                $"stored {string.Join(", ", await scenario.ReadCustomerHashAsync(entity))}");
        }
        Assert.Equal(expected.OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
        var live = await scenario.ReadSignalsAsync();
        Assert.Equal(live.Count, live.Select(s => s.Id).Distinct().Count());
        Assert.Equal(ProcessorScenario.ReplaySignals(records), live.Select(s => s.Description).Order().ToList());
        Assert.Equal(faultyKafka.GetHighWatermarks(scenario.Topics.Mentions, Partitions).OrderBy(p => p.Key).Select(p => (long?)p.Value),
            faultyKafka.GetCommittedOffsets(scenario.GroupId, scenario.Topics.Mentions, Partitions).OrderBy(p => p.Key).Select(p => p.Value));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Malformed_payloads_of_every_kind_go_to_the_dead_letter_topic_with_their_reason(string server)
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), Partitions);
        var generator = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 500, Seed = 24, CrisisAt = null });
        var records = new List<GeneratedRecord>();
        for (var i = 0; i < 30_000; i++)
        {
            records.Add(i % 3 == 2 ? generator.NextMalformed() : generator.Next());
        }
        var valid = generator.Next();
        records.Add(GeneratedRecord.Broken("acme:someone-else", valid.Value, "key-mismatch"));
        records.Add(GeneratedRecord.Broken("acme:c1", Encoding.UTF8.GetBytes("{\"id\":\"m\",\"platform\":\"x\",\"brand\":\"acme\",\"author\":{\"id\":\"a\"},\"createdAt\":\"2026-11-23T10:00:00Z\",\"text\":42}"), "invalid-field"));
        records.Add(GeneratedRecord.Broken("acme:c1", Encoding.UTF8.GetBytes("{\"id\":\"m\",\"platform\":\"x\",\"brand\":\"acme\",\"text\":\"hi\"}"), "missing-field"));
        var positions = kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        var huge = TenMiBMention();
        var special = new Dictionary<(int, long), string>();
        Confluent.Kafka.TopicPartitionOffset bigPosition;

        await using (var node = Node(scenario, scenario.Options()))
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
            // A 10 MiB mention and a tombstone (a null value) need a producer of their own. Sent last, after everything
            // else is done. The producer's own size check counts the uncompressed record: raised. It compresses, as
            // real producers of large text do: the librdkafka mock keeps at most 5 MiB per partition and drops a larger
            // batch right after acknowledging it (MockKafkaClusterTests), which a real broker never does.
            var config = kafka.ProducerConfig();
            config.MessageMaxBytes = 11 * 1024 * 1024;
            config.CompressionType = Confluent.Kafka.CompressionType.Lz4;
            using (var producer = new Confluent.Kafka.ProducerBuilder<byte[]?, byte[]?>(config).Build())
            {
                var big = await producer.ProduceAsync(scenario.Topics.Mentions, new Confluent.Kafka.Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes("acme:x:a"), Value = huge });
                Assert.Equal(Confluent.Kafka.PersistenceStatus.Persisted, big.Status);
                bigPosition = big.TopicPartitionOffset;
                special[(big.Partition.Value, big.Offset.Value)] = "too-large";
                var tombstone = await producer.ProduceAsync(scenario.Topics.Mentions, new Confluent.Kafka.Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes("acme:c2"), Value = null });
                special[(tombstone.Partition.Value, tombstone.Offset.Value)] = "invalid-json";
            }
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
            await node.StopAsync();
        }

        var expectedReasons = records.Zip(positions)
            .Where(pair => !pair.First.IsValid)
            .ToDictionary(pair => (pair.Second.Partition.Value, pair.Second.Offset.Value), pair => pair.First.ExpectedRejection!);
        foreach (var (position, reason) in special) expectedReasons[position] = reason;
        var deadLetters = kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(30));
        var actualReasons = deadLetters.ToDictionary(
            d => (int.Parse(d.Header(DeadLetterPublisher.SourcePartitionHeader)!, System.Globalization.CultureInfo.InvariantCulture),
                  long.Parse(d.Header(DeadLetterPublisher.SourceOffsetHeader)!, System.Globalization.CultureInfo.InvariantCulture)),
            d => d.Header(DeadLetterPublisher.ReasonHeader)!);
        output.WriteLine($"{server}: {deadLetters.Count} dead letters: {string.Join(", ", actualReasons.Values.GroupBy(r => r).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.Equal(expectedReasons.OrderBy(e => e.Key), actualReasons.OrderBy(a => a.Key));
        // The 10 MiB mention is kept as far as a default broker takes it, with its original size; its partition is committed to the end.
        var bigLetter = Assert.Single(deadLetters, d => d.Header(DeadLetterPublisher.TruncatedHeader) == "true");
        Assert.Equal(bigPosition.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), bigLetter.Header(DeadLetterPublisher.SourceOffsetHeader));
        Assert.Equal("too-large", bigLetter.Header(DeadLetterPublisher.ReasonHeader));
        Assert.Equal(huge.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), bigLetter.Header(DeadLetterPublisher.OriginalSizeHeader));
        Assert.InRange(bigLetter.Value.Length, 1, DeadLetterPublisher.MaxRecordBytes);
        Assert.True(huge.AsSpan().StartsWith(bigLetter.Value));
        Assert.Equal(bigPosition.Offset.Value + 1, kafka.GetCommittedOffsets(scenario.GroupId, scenario.Topics.Mentions, Partitions)[bigPosition.Partition.Value]);

        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(Expected(records).OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
    }

    /// <summary>A mention of exactly 10 MiB of UTF-8 text: far above the parser's limit and a default broker's 1 MB.</summary>
    private static byte[] TenMiBMention()
    {
        const string head = "{\"id\":\"big\",\"platform\":\"x\",\"brand\":\"acme\",\"author\":{\"id\":\"a\"},\"createdAt\":\"2026-11-23T10:00:00Z\",\"text\":\"";
        const string tail = "\"}";
        return Encoding.UTF8.GetBytes(head + new string('x', 10 * 1024 * 1024 - head.Length - tail.Length) + tail);
    }

    private static SocialCrmOptions WithLongLists(SocialCrmOptions options)
    {
        options.Redis.ListCapacity = 1_000_000;
        return options;
    }

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

    /// <summary>
    /// Redis loses its data while the node runs (restarted without persistence, a failover to an empty replica, FLUSHALL
    /// by hand): the customers held in memory find their stored versions gone, reload the store as it is and apply again
    /// what they were writing, at once: no ask waits for its timeout (each did, 10 s, and the 10,000 mentions after the
    /// loss took 36 s). Nothing is dead-lettered and no mention is counted twice: each customer's count is the mentions
    /// after the loss. And the customers' log lines name them by pseudonym only: the actor path, which holds the
    /// customer id, was the source of each line.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task Redis_losing_its_data_mid_run_holds_nothing_up_and_counts_nothing_twice(string server)
    {
        var redis = servers.Get(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var records = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 300, Seed = 24, CrisisAt = null }).Generate(20_000).ToList();
        var (before, after) = (records[..10_000], records[10_000..]);
        var log = new CollectedLog();
        await using (var node = new ProcessorNode(scenario.Options(), scenario.Topics, new RulesOptions(), configureLogging: logging => logging.AddProvider(log)))
        {
            await node.StartAsync();
            kafka.Produce(scenario.Topics.Mentions, before.Select(r => (r.Key, r.Value)));
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            using (var admin = redis.Connect(o => o.AllowAdmin = true))
            {
                foreach (var primary in admin.GetServers().Where(s => !s.IsReplica))
                {
                    await primary.FlushAllDatabasesAsync();
                }
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            kafka.Produce(scenario.Topics.Mentions, after.Select(r => (r.Key, r.Value)));
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            output.WriteLine($"{server}: the {after.Count} mentions after the loss committed in {clock.Elapsed.TotalSeconds:N1} s; ask retries {node.Stats.AskRetries}");
            Assert.Equal(0, node.Stats.AskRetries);
            await node.StopAsync();
        }

        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(Expected(after).OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
        Assert.Empty(kafka.ReadAll(scenario.Topics.DeadLetter, 1, TimeSpan.FromSeconds(2)));
        Assert.Contains(log.Lines, line => line.Contains("another incarnation", StringComparison.Ordinal));
        Assert.Empty(log.LinesNaming(records.Where(r => r.IsValid).Select(r => r.EntityId!).ToHashSet()));
    }

    /// <summary>
    /// A full Redis (maxmemory reached, no eviction) refuses writes with OOM, from inside the flush script too: the
    /// server's state, not a customer's data. Processing waits for room, sets nothing aside and then counts every
    /// mention exactly once. Real Redis only: Garnet has no such memory limit.
    /// </summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_full_redis_holds_processing_and_dead_letters_nothing_until_it_has_room(string server)
    {
        using var redis = RedisServers.Start(server);
        var scenario = ProcessorScenario.Create(kafka, redis, Partitions);
        var records = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 400, Seed = 23, CrisisAt = null }).Generate(20_000).ToList();
        kafka.Produce(scenario.Topics.Mentions, records.Select(r => (r.Key, r.Value)));
        using var admin = redis.Connect();
        var db = admin.GetDatabase();

        await using (var node = Node(scenario, scenario.Options()))
        {
            await node.StartAsync();
            await WaitUntil(() => node.Stats.Processed >= 5_000, TimeSpan.FromSeconds(60));
            await db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
            await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
            var processedWhenFull = node.Stats.Processed;
            // Longer than a refused customer's retries take (five attempts, backing off): those would have given up.
            await Task.Delay(TimeSpan.FromSeconds(8));
            var processedWhileFull = node.Stats.Processed - processedWhenFull;
            await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
            await node.StopAsync();
            output.WriteLine($"{processedWhileFull} confirmed while full; dead-lettered {node.Stats.DeadLettered}");
            Assert.Equal(0, node.Stats.DeadLettered);
        }

        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(Expected(records).OrderBy(e => e.Key), counts.OrderBy(c => c.Key));
    }
}
