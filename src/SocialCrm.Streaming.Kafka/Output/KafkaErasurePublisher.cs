using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Kafka.Output;

/// <summary>Announces erasures on their topic, keyed by the entity id; the erasure id goes in a header for consumers to deduplicate.</summary>
public sealed class KafkaErasurePublisher(IProducer<byte[]?, byte[]> producer, string topic, Func<DateTimeOffset>? clock = null) : IErasurePublisher
{
    public const string ErasureIdHeader = "erasure.id";

    private readonly Func<DateTimeOffset> _clock = clock ?? (() => DateTimeOffset.UtcNow);

    public Task PublishAsync(Erasure erasure, CancellationToken cancellationToken) =>
        producer.ProduceAsync(topic, new Message<byte[]?, byte[]>
        {
            Key = Encoding.UTF8.GetBytes(erasure.Entity.Value),
            Value = Encoding.UTF8.GetBytes(erasure.ToJson(_clock())),
            Headers = new Headers { { ErasureIdHeader, Encoding.UTF8.GetBytes(erasure.Id) } },
        }, cancellationToken);
}
