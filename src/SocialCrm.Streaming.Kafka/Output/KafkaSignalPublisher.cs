using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Kafka.Output;

/// <summary>Publishes alerts and triggers to their downstream topics; the signal id goes in a header for consumers to deduplicate.</summary>
public sealed class KafkaSignalPublisher(IProducer<byte[]?, byte[]> producer, string crisisTopic, string lifecycleTopic) : ISignalPublisher
{
    public const string SignalIdHeader = "signal.id";

    public Task PublishAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken)
    {
        if (signals.Count == 0)
        {
            return Task.CompletedTask;
        }
        var deliveries = new Task[signals.Count];
        for (var i = 0; i < signals.Count; i++)
        {
            var signal = signals[i];
            var topic = signal.Stream == SignalStream.CrisisAlerts ? crisisTopic : lifecycleTopic;
            deliveries[i] = producer.ProduceAsync(topic, new Message<byte[]?, byte[]>
            {
                Key = Encoding.UTF8.GetBytes(signal.Key),
                Value = Encoding.UTF8.GetBytes(signal.Json),
                Headers = new Headers { { SignalIdHeader, Encoding.UTF8.GetBytes(signal.Id) } },
            }, cancellationToken);
        }
        return Task.WhenAll(deliveries);
    }
}
