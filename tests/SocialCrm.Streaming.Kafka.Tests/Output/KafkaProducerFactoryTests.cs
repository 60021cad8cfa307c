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
}
