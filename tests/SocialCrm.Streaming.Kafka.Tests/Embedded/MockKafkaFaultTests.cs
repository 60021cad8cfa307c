using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Kafka.Embedded;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Kafka.Tests.Embedded;

/// <summary>Fault injection: every test gets its own cluster (faults would disturb others).</summary>
public sealed class MockKafkaFaultTests
{
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static int LeaderOf(MockKafkaFixture kafka, string topic, int partition)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var md = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        return md.Topics.Single().Partitions.Single(p => p.PartitionId == partition).Leader;
    }

    [Fact]
    public async Task Producer_waits_while_the_leader_is_down_and_delivers_when_it_is_back()
    {
        using var kafka = new MockKafkaFixture();
        var topic = kafka.CreateUniqueTopic("down", 1);
        kafka.Cluster.MovePartitionLeader(topic, 0, 2);
        using var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig()).SetLogHandler((_, _) => { }).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "before" });

        kafka.Cluster.SetBrokerDown(2);
        var during = producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "during" });
        var finished = await Task.WhenAny(during, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.NotSame(during, finished); // nobody can take the write while its leader is down

        kafka.Cluster.SetBrokerUp(2);
        var sw = Stopwatch.StartNew();
        var report = await during.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(PersistenceStatus.Persisted, report.Status);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"recovered in {sw.Elapsed}");

        var read = kafka.ReadAll(topic, 1, TimeSpan.FromSeconds(10));
        Assert.Equal(["before", "during"], read.Select(r => r.ValueString));
    }

    [Fact]
    public void Consumer_resumes_after_all_brokers_were_down()
    {
        using var kafka = new MockKafkaFixture();
        var topic = kafka.CreateUniqueTopic("consumer-down", 2);
        kafka.Produce(topic, Enumerable.Range(0, 10).Select(i => ((string?)$"k{i}", Bytes($"a{i}"))));
        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(MockKafkaFixture.UniqueGroup()))
            .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (values.Count < 10 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r)
            {
                values.Add(r.Message.Value);
            }
        }

        Assert.Equal(10, values.Count);
        kafka.Cluster.SetBrokerDown(-1);
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(100)));
        }

        kafka.Cluster.SetBrokerUp(-1);
        kafka.Produce(topic, Enumerable.Range(0, 10).Select(i => ((string?)$"k{i}", Bytes($"b{i}"))));
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (values.Count < 20 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r)
            {
                values.Add(r.Message.Value);
            }
        }

        Assert.Equal(20, values.Count);
        Assert.Equal(20, values.Distinct().Count());
        consumer.Close();
    }

    [Theory]
    [InlineData(ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.NotEnoughReplicasAfterAppend)]
    [InlineData(ErrorCode.LeaderNotAvailable)]
    [InlineData(ErrorCode.RequestTimedOut)]
    [InlineData(ErrorCode.NotLeaderForPartition)]
    [InlineData(ErrorCode.Local_Transport)]
    public async Task Retriable_produce_errors_are_retried_by_the_idempotent_producer_exactly_once(ErrorCode injected)
    {
        using var kafka = new MockKafkaFixture();
        var topic = kafka.CreateUniqueTopic("idempotent", 1);
        var config = kafka.ProducerConfig();
        config.LingerMs = 0;
        config.BatchNumMessages = 10;
        // Surprise (librdkafka 2.16 mock): with several requests in flight, a batch failed by an
        // injected retriable error can be overtaken by the next batch; the mock accepts that
        // out-of-order sequence (a real broker answers OUT_OF_ORDER_SEQUENCE_NUMBER), so the retry
        // is then answered DUPLICATE_SEQUENCE_NUMBER and the producer reports the lost batch as
        // persisted. One request in flight keeps the mock honest.
        config.MaxInFlight = 1;
        var errors = new List<Error>();
        using var producer = new ProducerBuilder<string, string>(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, e) => errors.Add(e)).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "0" }); // PID acquired, connections up

        kafka.Cluster.PushRequestErrors(
            KafkaApiKeys.Produce,
            injected, injected, injected);
        var sw = Stopwatch.StartNew();
        var reports = await Task.WhenAll(Enumerable.Range(1, 100)
            .Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = $"{i}" })));
        Assert.All(reports, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(100), $"retries take retry.backoff.ms each; took {sw.Elapsed}");

        var read = kafka.ReadAll(topic, 1, TimeSpan.FromSeconds(10));
        Assert.True(Enumerable.Range(0, 101).Select(i => $"{i}").SequenceEqual(read.Select(r => r.ValueString)), string.Join(",", read.Select(r => r.ValueString))); // once each, in order
        Assert.DoesNotContain(errors, e => e.IsFatal);
    }

    [Fact]
    public async Task A_permanent_produce_error_is_reported_to_the_application()
    {
        using var kafka = new MockKafkaFixture();
        var topic = kafka.CreateUniqueTopic("permanent", 1);
        var config = kafka.ProducerConfig();
        config.EnableIdempotence = false;
        using var producer = new ProducerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "ok" });

        kafka.Cluster.PushRequestErrors(KafkaApiKeys.Produce, ErrorCode.MsgSizeTooLarge);
        var ex = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "rejected" }));
        Assert.Equal(ErrorCode.MsgSizeTooLarge, ex.Error.Code);

        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "ok again" }); // stack drained
        Assert.Equal(["ok", "ok again"], kafka.ReadAll(topic, 1, TimeSpan.FromSeconds(10)).Select(r => r.ValueString));
    }

    [Fact]
    public void Injected_offset_commit_error_surfaces_from_Commit()
    {
        using var kafka = new MockKafkaFixture();
        var topic = kafka.CreateUniqueTopic("commit-error", 1);
        kafka.Produce(topic, [("k", Bytes("v"))]);
        var group = MockKafkaFixture.UniqueGroup();
        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        ConsumeResult<string, string>? r = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (r is null && DateTime.UtcNow < deadline)
        {
            r = consumer.Consume(TimeSpan.FromMilliseconds(100));
        }

        Assert.NotNull(r);
        kafka.Cluster.PushRequestErrors(KafkaApiKeys.OffsetCommit, ErrorCode.GroupAuthorizationFailed);
        var next = new TopicPartitionOffset(r.TopicPartition, r.Offset + 1);
        var ex = Assert.ThrowsAny<KafkaException>(() => consumer.Commit([next]));
        Assert.Contains(ErrorCode.GroupAuthorizationFailed, new[] { ex.Error.Code }
            .Concat(ex is TopicPartitionOffsetException tpoe ? tpoe.Results.Select(x => x.Error.Code) : []));
        Assert.Null(kafka.GetCommittedOffsets(group, topic, 1)[0]);

        consumer.Commit([next]);
        Assert.Equal(1, kafka.GetCommittedOffsets(group, topic, 1)[0]);
        consumer.Close();
    }

    [Fact]
    public async Task Broker_rtt_is_added_to_every_round_trip()
    {
        using var kafka = new MockKafkaFixture();
        var topic = kafka.CreateUniqueTopic("rtt", 1);
        kafka.Cluster.MovePartitionLeader(topic, 0, 3);
        var config = kafka.ProducerConfig();
        config.LingerMs = 0;
        using var producer = new ProducerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();

        async Task<TimeSpan> RoundTrip()
        {
            var sw = Stopwatch.StartNew();
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" });
            return sw.Elapsed;
        }

        await RoundTrip(); // warm-up: metadata, connections, producer id
        var baseline = await RoundTrip();
        kafka.Cluster.SetBrokerRtt(3, TimeSpan.FromMilliseconds(300));
        await RoundTrip(); // the request already in flight may use the old RTT
        var slow = await RoundTrip();
        kafka.Cluster.SetBrokerRtt(3, TimeSpan.Zero);
        await RoundTrip();
        var fast = await RoundTrip();

        Assert.True(baseline < TimeSpan.FromMilliseconds(150), $"baseline {baseline}");
        Assert.True(slow >= TimeSpan.FromMilliseconds(280), $"with rtt 300 ms: {slow}");
        Assert.True(fast < TimeSpan.FromMilliseconds(150), $"after reset: {fast}");
    }

    [Fact]
    public async Task Leader_move_is_followed_by_producer_and_consumer()
    {
        using var kafka = new MockKafkaFixture();
        const int partitions = 3;
        var topic = kafka.CreateUniqueTopic("leader", partitions);
        for (var p = 0; p < partitions; p++)
        {
            kafka.Cluster.MovePartitionLeader(topic, p, 1);
        }

        Assert.Equal(1, LeaderOf(kafka, topic, 0));
        kafka.Produce(topic, Enumerable.Range(0, 30).Select(i => ((string?)$"k{i}", Bytes($"a{i}"))));

        var group = MockKafkaFixture.UniqueGroup();
        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var seen = new List<ConsumeResult<string, string>>();
        void ConsumeUntil(int n)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (seen.Count < n && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r)
                {
                    seen.Add(r);
                }
            }

            Assert.Equal(n, seen.Count);
        }

        ConsumeUntil(30);
        consumer.Commit(seen.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));

        for (var p = 0; p < partitions; p++)
        {
            kafka.Cluster.MovePartitionLeader(topic, p, 2);
        }

        Assert.Equal(2, LeaderOf(kafka, topic, 0));
        using (var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig()).SetLogHandler((_, _) => { }).Build())
        {
            // A fresh producer, and the shared one that still believes broker 1 leads.
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "fresh", Value = "fresh" });
        }

        kafka.Produce(topic, Enumerable.Range(0, 30).Select(i => ((string?)$"k{i}", Bytes($"b{i}"))));
        ConsumeUntil(61);
        consumer.Commit(seen.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));
        consumer.Close();

        Assert.Equal(61, seen.Select(r => r.Message.Value).Distinct().Count());
        var high = kafka.GetHighWatermarks(topic, partitions);
        var committed = kafka.GetCommittedOffsets(group, topic, partitions);
        for (var p = 0; p < partitions; p++)
        {
            Assert.Equal(high[p], committed[p]);
        }
    }
}
