using Confluent.Kafka;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Kafka.Tests.Output;

public sealed class KafkaProducerFactoryTests(MockKafkaFixture kafka) : IClassFixture<MockKafkaFixture>
{
    [Fact]
    public async Task A_delivery_report_carries_the_record_and_its_position_but_not_its_headers_while_the_broker_keeps_them()
    {
        var topic = kafka.CreateUniqueTopic("produced", 1);
        using var producer = KafkaProducerFactory.Create(kafka.BootstrapServers);

        var report = await producer.ProduceAsync(topic, new Message<byte[]?, byte[]>
        {
            Key = "acme:c1"u8.ToArray(),
            Value = "{}"u8.ToArray(),
            Headers = new Headers { { "signal.id", "s1"u8.ToArray() } },
        }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(PersistenceStatus.Persisted, report.Status);
        Assert.Equal("acme:c1"u8.ToArray(), report.Message.Key);
        Assert.Equal(0, report.Offset.Value);
        Assert.Null(report.Message.Headers);
        var stored = Assert.Single(kafka.ReadAll(topic, 1, TimeSpan.FromSeconds(10)));
        Assert.Equal("s1", stored.Header("signal.id"));
    }

    [Fact]
    public void Tuning_properties_replace_the_defaults_and_the_delivery_settings_stay()
    {
        var defaults = KafkaProducerFactory.Config("k:9092");
        Assert.Equal(2, defaults.LingerMs);
        Assert.Equal(CompressionType.Lz4, defaults.CompressionType);

        var tuned = KafkaProducerFactory.Config("k:9092", new Dictionary<string, string>
        {
            ["linger.ms"] = "0",
            ["compression.type"] = "zstd",
            ["security.protocol"] = "SASL_SSL",
        });

        Assert.Equal(0, tuned.LingerMs);
        Assert.Equal(CompressionType.Zstd, tuned.CompressionType);
        Assert.Equal("SASL_SSL", tuned.Get("security.protocol"));
        Assert.Equal("k:9092", tuned.BootstrapServers);
        Assert.True(tuned.EnableIdempotence);
        Assert.Equal(Acks.All, tuned.Acks);
        Assert.Equal(Partitioner.Murmur2Random, tuned.Partitioner);
    }
}
