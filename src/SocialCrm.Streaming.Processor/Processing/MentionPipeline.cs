using System.Text;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Host.Observability;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Output;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// The per-node stream: consumed record -> parse -> (dead-letter | ask the customer entity) -> done.
/// Records in flight are bounded in number (never a tell-flood of sharding, whose buffers drop when full),
/// asked one ask at a time per entity with what queued meanwhile batched (<see cref="EntityAskQueue"/>), and
/// their results kept in order, so the records of a partition finish in offset order.
/// Profile records (the co-partitioned profiles topic) go to the same entities.
/// Nothing a record carries stops the stream (as Kafka Streams' handlers that dead-letter rather than die): whatever
/// throws on one record's path sets that record aside as <c>processing-error</c>, with the exception's type in a
/// header, and a customer that gives up (<see cref="CustomerFailed"/>) has its records set aside as <c>entity-failed</c>.
/// Only stopping (cancellation) and a dead-letter topic that cannot be written fail the stream.
/// </summary>
public sealed class MentionPipeline(
    IActorRef customers,
    DeadLetterPublisher deadLetters,
    PipelineStats stats,
    RateLimitedLog log,
    BrandVolumeAggregator brandVolume,
    BrandAdmission brands,
    ProcessorMetrics metrics,
    int parallelism,
    TimeSpan askTimeout,
    TimeSpan maxEventTimeSkew)
{
    private readonly string _profilesTopic = metrics.Topics.Profiles;
    private readonly EntityAskQueue _asks = new(AskWithRetries(customers, stats, log, askTimeout));
    private readonly int _partitions = metrics.Topics.MentionPartitions;

    public Task RunAsync(KafkaConsumerLoop consumer, IMaterializer materializer, CancellationToken cancellationToken) =>
        consumer.Records
            .SelectAsync(parallelism, record => ProcessAsync(record, cancellationToken))
            .RunForeach(processed =>
            {
                if (processed.Abandoned)
                {
                    // Not done, so never committed: the next owner of the partition replays it.
                    return;
                }
                try
                {
                    // In offset order (SelectAsync keeps it), so a partition's event time reaches the brand counts in order.
                    if (processed is { Mention: { } mention, Observation: { } observation })
                    {
                        brandVolume.Add(mention, observation, processed.Record.Position.Partition);
                    }
                    metrics.RecordDone(processed.Record, processed.Mention, processed.DeadLettered, processed.EffectsWrittenAt);
                }
                catch (Exception ex)
                {
                    // Its effects are durable already; a count or a metric lost is better than a stream stopped.
                    log.Warning("after-record:" + ex.GetType().Name, "Counting a processed record from {Topic} at {Position} threw {Exception}; the record stays done",
                        processed.Record.Topic, processed.Record.Position, ex.GetType().Name);
                }
                consumer.MarkDone(processed.Record);
            }, materializer);

    /// <summary>A record whose effects are durable; for a newly applied mention, what the brand's counts need.</summary>
    private readonly record struct Processed(
        ConsumedRecord Record, Mention? Mention = null, MentionObservation? Observation = null, bool DeadLettered = false, bool Abandoned = false)
    {
        /// <summary>
        /// When its effects were written, which is when a care team can see them: a record may wait longer than
        /// that for the records before it (the commit needs offset order), which latency must not count.
        /// </summary>
        public DateTimeOffset EffectsWrittenAt { get; } = DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// Validates a record: the payload must be a mention, a key, when present, must be its entity id, and its event
    /// time may lie at most <paramref name="maxEventTimeSkew"/> beyond the wall clock.
    /// </summary>
    public static ParseOutcome Parse(ConsumedRecord record, TimeSpan maxEventTimeSkew)
    {
        var outcome = MentionParser.Parse(record.Value);
        if (outcome.Mention is not { } mention)
        {
            return outcome;
        }
        if (record.Key is { } key && !KeyMatches(key, mention.EntityId))
        {
            return ParseOutcome.Invalid(RejectReason.KeyMismatch,
                $"record key '{Encoding.UTF8.GetString(key)}' is not the mention's entity id '{mention.EntityId}'");
        }
        return EventTime.CheckNotAhead(mention.CreatedAt, DateTimeOffset.UtcNow, maxEventTimeSkew) is { } ahead
            ? new ParseOutcome(null, ahead)
            : outcome;
    }

    private static bool KeyMatches(byte[] key, EntityId entityId)
    {
        Span<byte> expected = stackalloc byte[Encoding.UTF8.GetMaxByteCount(entityId.Value.Length)];
        var length = Encoding.UTF8.GetBytes(entityId.Value, expected);
        return expected[..length].SequenceEqual(key);
    }

    private async Task<Processed> ProcessAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        try
        {
            if (record.Topic == _profilesTopic)
            {
                return await ProcessProfileAsync(record, cancellationToken).ConfigureAwait(false);
            }
            var outcome = Parse(record, maxEventTimeSkew);
            return outcome.Mention is { } mention
                ? await ApplyMentionAsync(mention, record, cancellationToken).ConfigureAwait(false)
                : await DeadLetterAsync(record, outcome.Rejection!).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The stop deadline passed while this record was in flight: the stream ends quietly, without it.
            return new Processed(record, Abandoned: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !DeadLetterPublisher.IsPublishFailure(ex))
        {
            // A bug this record exposed: set it aside, keep the stream. Only the type is kept: a message could quote the payload.
            return await DeadLetterAsync(record, new Rejection(RejectReason.ProcessingError,
                $"processing the record threw {ex.GetType().Name}", ex.GetType().FullName ?? ex.GetType().Name)).ConfigureAwait(false);
        }
    }

    private async Task<Processed> ApplyMentionAsync(Mention mention, ConsumedRecord record, CancellationToken cancellationToken)
    {
        CountIfMisaligned(record, mention.EntityId.Value);
        // Enqueued before the brand's answer is known, so the record keeps its place among its customer's records.
        var outcome = await _asks.ApplyMentionAsync(mention.EntityId.Value, new PositionedMention(mention, record.Position), cancellationToken,
            brands.CheckAsync(mention.Brand, cancellationToken)).ConfigureAwait(false);
        return outcome.Rejection is { } rejection
            ? await DeadLetterAsync(record, rejection).ConfigureAwait(false)
            : new Processed(record, mention, outcome.Observation);
    }

    private async Task<Processed> ProcessProfileAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        var key = record.Key is null ? "" : Encoding.UTF8.GetString(record.Key);
        if (!EntityId.TryParseCustomer(key, out var id))
        {
            return await DeadLetterAsync(record, new Rejection(RejectReason.InvalidProfile, $"profile key '{key}' is not brand:customerId (one colon, a customer id without ':')")).ConfigureAwait(false);
        }
        CountIfMisaligned(record, id.Value);
        CustomerProfile? profile = null;
        if (record.Value is { } value && !CustomerProfileJson.TryParseValue(value, out profile, out var invalid))
        {
            return await DeadLetterAsync(record, invalid).ConfigureAwait(false);
        }
        var outcome = await _asks.ApplyProfileAsync(new ApplyProfile(id.Value, profile, record.Position), cancellationToken,
            brands.CheckAsync(id.Brand, cancellationToken)).ConfigureAwait(false);
        return outcome.Rejection is { } rejection ? await DeadLetterAsync(record, rejection).ConfigureAwait(false) : new Processed(record);
    }

    /// <summary>A record on another partition than its entity's: the producer does not partition with murmur2 (the Java default).</summary>
    private void CountIfMisaligned(ConsumedRecord record, string entityId)
    {
        if (KafkaPartitioner.PartitionFor(entityId, _partitions) != record.Position.Partition)
        {
            metrics.Misaligned(record.Topic);
        }
    }

    private async Task<Processed> DeadLetterAsync(ConsumedRecord record, Rejection rejection)
    {
        try
        {
            await deadLetters.PublishAsync(record, rejection).ConfigureAwait(false);
        }
        catch (Exception ex) when (DeadLetterPublisher.IsPublishFailure(ex))
        {
            metrics.ProduceFailed(metrics.Topics.DeadLetter);
            throw;
        }
        stats.CountDeadLetter(rejection.Reason);
        metrics.DeadLettered(rejection.Reason);
        // The detail may quote the payload (a parser error near some text): only at Debug, never in the Warning.
        log.Warning("dlq:" + rejection.Reason.ToWire(), "Dead-lettered {Reason} from {Topic} at {Position}",
            rejection.Reason.ToWire(), record.Topic, record.Position);
        log.Logger.LogDebug("Dead-lettered {Reason} from {Topic} at {Position}: {Detail}",
            rejection.Reason.ToWire(), record.Topic, record.Position, rejection.Detail);
        return new Processed(record, DeadLettered: true);
    }

    /// <summary>An ask to the customer region, repeated after each timeout.</summary>
    private static Func<object, int, CancellationToken, Task<object>> AskWithRetries(
        IActorRef customers, PipelineStats stats, RateLimitedLog log, TimeSpan timeout) =>
        async (message, records, cancellationToken) =>
        {
            while (true)
            {
                try
                {
                    var reply = await customers.Ask<object>(message, timeout, cancellationToken).ConfigureAwait(false);
                    stats.CountProcessed(records);
                    return reply;
                }
                catch (AskTimeoutException)
                {
                    // The entity may be waiting on a slow store; asking again is safe, it skips what it applied.
                    stats.CountAskRetry();
                    log.Warning("ask-timeout", "Customer {Entity} did not confirm {Records} record(s) within {Timeout}; asking again",
                        ((IWithEntityId)message).EntityId, records, timeout);
                }
            }
        };
}
