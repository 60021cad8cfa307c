using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Cluster.Tests.Sharding;

public sealed class KafkaPartitionerTests(MockKafkaFixture kafka) : IClassFixture<MockKafkaFixture>
{
    [Fact]
    public void Matches_the_partition_librdkafka_murmur2_random_chooses_for_every_key()
    {
        const int partitions = 12;
        var topic = kafka.CreateUniqueTopic("partitioner", partitions);
        var keys = Enumerable.Range(0, 2_000)
            .Select(i => i % 3 == 0 ? $"acme:c{i:D6}" : i % 3 == 1 ? $"globex:x:u{i}" : $"ümlaut-brand:客户{i}")
            .ToArray();

        var delivered = kafka.Produce(topic, keys.Select(k => ((string?)k, new byte[] { 1 })));

        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(delivered[i].Partition.Value, KafkaPartitioner.PartitionFor(keys[i], partitions));
        }
    }

    /// <summary>The values Apache Kafka's own unit test of its murmur2 expects (as signed 32-bit integers).</summary>
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Murmur2_matches_the_java_clients_values(string key, int expected) =>
        Assert.Equal(expected, unchecked((int)KafkaPartitioner.Murmur2(System.Text.Encoding.UTF8.GetBytes(key))));

    [Fact]
    public void Shard_ids_are_partition_numbers()
    {
        var extractor = new PartitionAlignedMessageExtractor(12);
        var shard = extractor.ShardId("acme:c000042");
        Assert.Equal(KafkaPartitioner.PartitionFor("acme:c000042", 12), PartitionAlignedMessageExtractor.PartitionOf(shard));
    }
}
