using System.Text;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Output;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// The per-node stream: consumed record -> parse -> (dead-letter | ask the customer entity) -> done.
/// Asks are bounded in number (never a tell-flood of sharding, whose buffers drop when full) and kept
/// in order, so per-customer order holds and the records of a partition finish in offset order.
/// </summary>
public sealed class MentionPipeline(
    IActorRef customers,
    DeadLetterPublisher deadLetters,
    PipelineStats stats,
    RateLimitedLog log,
    int parallelism,
    TimeSpan askTimeout)
{
    public Task RunAsync(KafkaConsumerLoop consumer, IMaterializer materializer, CancellationToken cancellationToken) =>
        consumer.Records
            .Select(record => (Record: record, Outcome: Parse(record)))
            .SelectAsync(parallelism, item => ProcessAsync(item.Record, item.Outcome, cancellationToken))
            .RunForeach(consumer.MarkDone, materializer);

    /// <summary>Validates a record: the payload must be a mention, and a key, when present, must be its entity id.</summary>
    public static ParseOutcome Parse(ConsumedRecord record)
    {
        var outcome = MentionParser.Parse(record.Value);
        if (outcome.Mention is { } mention && record.Key is { } key && !KeyMatches(key, mention.EntityId))
        {
            return ParseOutcome.Invalid(RejectReason.KeyMismatch,
                $"record key '{Encoding.UTF8.GetString(key)}' is not the mention's entity id '{mention.EntityId}'");
        }
        return outcome;
    }

    private static bool KeyMatches(byte[] key, EntityId entityId)
    {
        Span<byte> expected = stackalloc byte[Encoding.UTF8.GetMaxByteCount(entityId.Value.Length)];
        var length = Encoding.UTF8.GetBytes(entityId.Value, expected);
        return expected[..length].SequenceEqual(key);
    }

    private async Task<SourcePosition> ProcessAsync(ConsumedRecord record, ParseOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Mention is not { } mention)
        {
            var rejection = outcome.Rejection!;
            await deadLetters.PublishAsync(record, rejection).ConfigureAwait(false);
            stats.CountDeadLetter(rejection.Reason);
            log.Warning("dlq:" + rejection.Reason.ToWire(), "Dead-lettered {Reason} at {Position}: {Detail}",
                rejection.Reason.ToWire(), record.Position, rejection.Detail);
            return record.Position;
        }
        var message = new ApplyMention(mention.EntityId.Value, mention, record.Position);
        while (true)
        {
            try
            {
                var applied = await customers.Ask<MentionApplied>(message, askTimeout, cancellationToken).ConfigureAwait(false);
                stats.CountProcessed();
                return applied.Position;
            }
            catch (AskTimeoutException)
            {
                // The entity may be waiting on a slow store; asking again is safe, it skips what it applied.
                stats.CountAskRetry();
                log.Warning("ask-timeout", "Customer {EntityId} did not confirm {Position} within {Timeout}; asking again",
                    message.EntityId, record.Position, askTimeout);
            }
        }
    }
}
