using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Kafka.Embedded;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Kafka.Tests.Embedded;

/// <summary>Happy-path tests on one shared 3-broker mock cluster (unique topics and groups).</summary>
public sealed class MockKafkaClusterTests(MockKafkaFixture kafka) : IClassFixture<MockKafkaFixture>
{
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Binds_to_the_librdkafka_that_confluent_kafka_loaded()
    {
        var path = MockKafkaCluster.NativeLibraryPath;
        Assert.Contains("rdkafka", Path.GetFileName(path), StringComparison.Ordinal);
        Assert.True(File.Exists(path), path);
        if (OperatingSystem.IsLinux())
        {
            // The very file mapped into this process by Confluent.Kafka, not a second copy.
            var mapped = File.ReadLines("/proc/self/maps").Where(l => l.Contains("rdkafka", StringComparison.Ordinal))
                .Select(l => l[l.IndexOf('/', StringComparison.Ordinal)..].Trim()).Distinct().ToList();
            Assert.Equal([path], mapped);
        }

        Assert.Equal(3, kafka.Cluster.BrokerCount);
        Assert.Equal(3, kafka.BootstrapServers.Split(',').Length);
        Assert.All(kafka.BootstrapServers.Split(','), b => Assert.Matches(@"^127\.0\.0\.1:\d+$", b));
        Assert.StartsWith("MockKafkaCluster(3 brokers, 127.0.0.1:", kafka.Cluster.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_shows_the_created_topic_on_three_brokers()
    {
        var topic = kafka.CreateUniqueTopic("meta", 8);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        Assert.Equal(3, metadata.Brokers.Count);
        Assert.Equal([1, 2, 3], metadata.Brokers.Select(b => b.BrokerId).Order());
        var t = Assert.Single(metadata.Topics);
        Assert.Equal(ErrorCode.NoError, t.Error.Code);
        Assert.Equal(8, t.Partitions.Count);
    }

    [Fact]
    public void Produce_consume_commit_round_trip_on_8_partitions()
    {
        const int partitions = 8;
        const int count = 2_000;
        var topic = kafka.CreateUniqueTopic("roundtrip", partitions);
        var records = Enumerable.Range(0, count)
            .Select(i => ((string?)$"brand:customer-{i % 97}", Bytes($"{{\"n\":{i}}}")))
            .ToList();

        var sw = Stopwatch.StartNew();
        var delivered = kafka.Produce(topic, records);
        Assert.Equal(count, delivered.Count);
        Assert.True(delivered.Select(d => d.Partition.Value).Distinct().Count() == partitions, "keys spread over all partitions");
        // Same key -> same partition (murmur2_random on a non-null key is deterministic).
        Assert.All(delivered.Select((d, i) => (d, i)).GroupBy(x => x.i % 97),
            g => Assert.Single(g.Select(x => x.d.Partition.Value).Distinct()));

        var group = MockKafkaFixture.UniqueGroup("roundtrip");
        var seen = new List<ConsumeResult<string, string>>();
        using (var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build())
        {
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (seen.Count < count && DateTime.UtcNow < deadline)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (r is not null)
                {
                    seen.Add(r);
                }
            }

            Assert.Equal(count, seen.Count);
            // DESIGN: commit explicit offset + 1 per partition.
            consumer.Commit(seen.GroupBy(r => r.TopicPartition)
                .Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));
            consumer.Close();
        }

        Assert.Equal(
            Enumerable.Range(0, count).Select(i => $"{{\"n\":{i}}}").Order(),
            seen.Select(r => r.Message.Value).Order());
        // Order per key is kept.
        foreach (var byKey in seen.GroupBy(r => r.Message.Key))
        {
            var numbers = byKey.Select(r => int.Parse(r.Message.Value[5..^1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }

        var high = kafka.GetHighWatermarks(topic, partitions);
        var committed = kafka.GetCommittedOffsets(group, topic, partitions);
        Assert.Equal(count, high.Values.Sum());
        for (var p = 0; p < partitions; p++)
        {
            Assert.Equal(high[p], committed[p]);
        }

        Assert.All(kafka.GetCommittedOffsets(MockKafkaFixture.UniqueGroup("nobody"), topic, partitions).Values, Assert.Null);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
    }

    [Fact]
    public void ReadAll_returns_keys_values_and_headers_in_partition_offset_order()
    {
        var topic = kafka.CreateUniqueTopic("headers", 4);
        var input = Enumerable.Range(0, 50).Select(i => (
            (byte[]?)Bytes($"k{i}"),
            Bytes($"v{i}"),
            (Headers?)new Headers { { "reason", Bytes($"r{i}") }, { "source-offset", Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) } }))
            .ToList();
        kafka.Produce(topic, input);

        var read = kafka.ReadAll(topic, 4, TimeSpan.FromSeconds(20));
        Assert.Equal(50, read.Count);
        Assert.Equal(read.OrderBy(r => r.Partition).ThenBy(r => r.Offset), read);
        foreach (var r in read)
        {
            var i = int.Parse(r.KeyString![1..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"v{i}", r.ValueString);
            Assert.Equal($"r{i}", r.Header("reason"));
            Assert.Equal($"{i}", r.Header("source-offset"));
        }

        // An empty topic reads as empty, immediately.
        var empty = kafka.CreateUniqueTopic("empty", 3);
        Assert.Empty(kafka.ReadAll(empty, 3, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Second_group_member_gets_a_share_of_the_partitions()
    {
        var topic = kafka.CreateUniqueTopic("group", 4);
        var group = MockKafkaFixture.UniqueGroup("two-members");
        var config = kafka.ConsumerConfig(group);
        using var a = new ConsumerBuilder<Ignore, Ignore>(config).Build();
        using var b = new ConsumerBuilder<Ignore, Ignore>(config).Build();
        a.Subscribe(topic);
        var sw = Stopwatch.StartNew();
        while (a.Assignment.Count < 4 && sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            a.Consume(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(4, a.Assignment.Count);
        b.Subscribe(topic);
        sw.Restart();
        while ((a.Assignment.Count + b.Assignment.Count != 4 || b.Assignment.Count == 0) && sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            a.Consume(TimeSpan.FromMilliseconds(50));
            b.Consume(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(2, a.Assignment.Count);
        Assert.Equal(2, b.Assignment.Count);
        a.Close();
        b.Close();
    }

    [Fact]
    public void Deleting_records_moves_the_log_start_as_retention_would()
    {
        var topic = kafka.CreateUniqueTopic("delete", 1);
        kafka.Produce(topic, Enumerable.Range(0, 10).Select(i => ((string?)"k", Bytes($"v{i}"))));

        kafka.Cluster.DeleteRecordsBefore(topic, 0, 6);

        Assert.Equal(["v6", "v7", "v8", "v9"], kafka.ReadAll(topic, 1, TimeSpan.FromSeconds(10)).Select(r => r.ValueString));
        Assert.Throws<KafkaException>(() => kafka.Cluster.DeleteRecordsBefore(topic, 0, 11));
    }

    /// <summary>
    /// Surprise (librdkafka 2.16 mock): a partition keeps at most 5 MiB of record batches, and appending
    /// a batch larger than that evicts every batch before it and then sets the log start to the end
    /// offset, past the new batch itself. The produce is acknowledged, yet the record is gone. A real
    /// broker never deletes the active segment it just appended to. Compressed, a large but repetitive
    /// record is a small batch and is kept.
    /// </summary>
    [Fact]
    public async Task A_record_batch_over_5_MiB_is_acknowledged_but_not_kept_while_a_compressed_large_record_is()
    {
        var tenMiB = Bytes(new string('x', 10 * 1024 * 1024));
        var config = kafka.ProducerConfig();
        config.MessageMaxBytes = 11 * 1024 * 1024;

        var dropped = kafka.CreateUniqueTopic("over-5mib", 1);
        kafka.Produce(dropped, [("k", Bytes("before"))]);
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(config).Build())
        {
            var report = await producer.ProduceAsync(dropped, new Message<byte[]?, byte[]> { Value = tenMiB });
            Assert.Equal((PersistenceStatus.Persisted, 1L), (report.Status, report.Offset.Value));
        }
        Assert.Equal((2L, 2L), LogStartAndEnd(dropped));

        var kept = kafka.CreateUniqueTopic("compressed", 1);
        kafka.Produce(kept, [("k", Bytes("before"))]);
        config.CompressionType = CompressionType.Lz4;
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(config).Build())
        {
            await producer.ProduceAsync(kept, new Message<byte[]?, byte[]> { Value = tenMiB });
        }
        Assert.Equal((0L, 2L), LogStartAndEnd(kept));
        Assert.Equal(tenMiB.Length, kafka.ReadAll(kept, 1, TimeSpan.FromSeconds(10))[1].Value.Length);
    }

    private (long Start, long End) LogStartAndEnd(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(kafka.ConsumerConfig(MockKafkaFixture.UniqueGroup())).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        return (watermarks.Low.Value, watermarks.High.Value);
    }

    [Fact]
    public void Argument_checks_and_dispose()
    {
        var cluster = MockKafkaCluster.Start(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("x", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("x", 1, replicationFactor: 2));
        Assert.Throws<KafkaException>(() => cluster.SetBrokerDown(42));
        cluster.CreateTopic("x", 2);
        cluster.Dispose();
        cluster.Dispose();
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("y", 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerUp(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MockKafkaCluster.Start(0));
    }
}
