using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>
/// Sends case events to the downstream topic for CRM systems, when a Kafka bootstrap is configured.
/// Never blocks a web request: <see cref="IProducer{TKey,TValue}.Produce(string, Message{TKey,TValue}, Action{DeliveryReport{TKey,TValue}})"/>
/// only queues the record; a failed delivery is logged (Redis, written first, keeps the event).
/// </summary>
public sealed partial class CaseEventPublisher(IProducer<string, string>? producer, string topic, ILogger<CaseEventPublisher> log) : IDisposable
{
    public void Publish(CaseEvent change)
    {
        if (producer is null)
        {
            return;
        }
        try
        {
            producer.Produce(topic, new Message<string, string> { Key = change.Subject.SignalId, Value = CaseJson.Serialize(change) }, report =>
            {
                if (report.Error.IsError)
                {
                    LogDeliveryFailed(log, topic, report.Error.Reason);
                }
            });
        }
        catch (ProduceException<string, string> ex)
        {
            LogDeliveryFailed(log, topic, ex.Error.Reason);
        }
    }

    public void Dispose()
    {
        producer?.Flush(TimeSpan.FromSeconds(5));
        producer?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A case event was not delivered to {Topic}: {Reason} (it stays in Redis)")]
    private static partial void LogDeliveryFailed(ILogger logger, string topic, string reason);
}
