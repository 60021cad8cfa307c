using System.Diagnostics;
using System.Text;
using System.Text.Unicode;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Observability;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Privacy;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Output;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// The per-node stream: consumed records, taken in small batches (<c>Pipeline:BatchMaxRecords</c> records or
/// <c>Pipeline:BatchMaxDelay</c>, whichever comes first) -> parse -> (dead-letter | one message per customer of the
/// batch with its records, in order) -> done, in offset order. The <see cref="CustomerDispatcher"/> sends the messages
/// and collects the answers (no ask per record, no task per record); a customer's messages never overtake each other.
/// Batches in flight are bounded (<c>Pipeline:Parallelism</c> records in all), never a tell-flood of sharding, whose
/// buffers drop when full. Profile records (the co-partitioned profiles topic) go to the same entities.
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
    PipelineOptions options,
    Pseudonymizer? authorPseudonyms = null)
{
    private readonly string _profilesTopic = metrics.Topics.Profiles;
    private readonly int _partitions = metrics.Topics.MentionPartitions;
    private long _sequence;

    /// <summary>Completes once the latest batch is handed to the dispatcher: batches are handed over in order, whatever their brand checks wait for.</summary>
    private Task _handedOver = Task.CompletedTask;

    public async Task RunAsync(KafkaConsumerLoop consumer, ActorSystem system, CancellationToken cancellationToken)
    {
        var dispatcher = system.ActorOf(CustomerDispatcher.Props(customers, stats, log, options.AskTimeout));
        try
        {
            await consumer.Batches(options.BatchMaxRecords, options.BatchMaxDelay)
                .SelectAsync(Math.Max(1, options.Parallelism / options.BatchMaxRecords),
                    records => ProcessBatchAsync(records, dispatcher, cancellationToken))
                .RunForeach(processed =>
                {
                    foreach (var record in processed)
                    {
                        Done(consumer, record);
                    }
                }, system.Materializer()).ConfigureAwait(false);
        }
        finally
        {
            system.Stop(dispatcher);
        }
    }

    private void Done(KafkaConsumerLoop consumer, Processed processed)
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
    }

    /// <summary>A record whose effects are durable; for a newly applied mention, what the brand's counts need.</summary>
    private readonly record struct Processed(
        ConsumedRecord Record, Mention? Mention = null, MentionObservation? Observation = null, bool DeadLettered = false, bool Abandoned = false)
    {
        /// <summary>
        /// When its effects were written, which is when a care team can see them: a record may wait longer than
        /// that for the other records of its batch and for the records before it (the commit needs offset order),
        /// which latency must not count. A dead-lettered record's effect is its dead letter, written when it is made.
        /// </summary>
        public DateTimeOffset EffectsWrittenAt { get; init; } = DateTimeOffset.UtcNow;
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
        if (record.Key is { } key && !mention.HasEntityId(key))
        {
            return ParseOutcome.Invalid(RejectReason.KeyMismatch,
                $"record key '{Encoding.UTF8.GetString(key)}' is not the mention's entity id '{mention.EntityId}'");
        }
        return EventTime.CheckNotAhead(mention.CreatedAt, DateTimeOffset.UtcNow, maxEventTimeSkew) is { } ahead
            ? new ParseOutcome(null, ahead)
            : outcome;
    }

    /// <summary>What a record of a batch is after parsing and admission: for the customers, or set aside.</summary>
    /// <param name="EntityId">A mention's entity id, made once (<see cref="Mention.EntityId"/> builds the string at each read).</param>
    private readonly record struct Parsed(Mention? Mention, string? EntityId, ApplyProfile? Profile, Rejection? Rejection, Task<Rejection?>? Admission);

    /// <summary>Called in batch order (SelectAsync); whatever it awaits, it hands its batch over after the one before.</summary>
    private async Task<Processed[]> ProcessBatchAsync(ConsumedRecord[] records, IActorRef dispatcher, CancellationToken cancellationToken)
    {
        var previous = _handedOver;
        var handedOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _handedOver = handedOver.Task;
        metrics.BatchStarted(records, DateTimeOffset.UtcNow);
        try
        {
            var parsed = new Parsed[records.Length];
            var waiting = false;
            for (var i = 0; i < parsed.Length; i++)
            {
                parsed[i] = ParseOne(records[i], cancellationToken);
                waiting |= parsed[i].Admission is { IsCompleted: false };
            }
            if (waiting)
            {
                // A brand being registered: the batch waits for it, so its records keep their place in their customers' order.
                await Task.WhenAll(parsed.Where(p => p.Admission is not null).Select(p => p.Admission!)).ConfigureAwait(false);
            }
            var batch = ToCustomerBatch(records, parsed);
            // A customer's records must reach it in order: a later batch must not overtake this one while its brands register.
            await previous.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (batch.Requests.Count > 0)
            {
                dispatcher.Tell(batch);
            }
            handedOver.TrySetResult();
            if (batch.Requests.Count > 0)
            {
                var withCustomers = Stopwatch.StartNew();
                await batch.Answered.WaitAsync(cancellationToken).ConfigureAwait(false);
                metrics.CustomersAnswered(records.Length, withCustomers.Elapsed);
            }
            return await FinishAsync(records, parsed, batch.Outcomes).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The stop deadline passed while this batch was in flight: the stream ends quietly, without it.
            return [.. records.Select(record => new Processed(record, Abandoned: true))];
        }
        finally
        {
            // On every path, so a batch that stops early never holds up the ones behind it.
            handedOver.TrySetResult();
        }
    }

    /// <summary>Parses one record and starts its brand's admission check; whatever throws sets the record aside.</summary>
    private Parsed ParseOne(ConsumedRecord record, CancellationToken cancellationToken)
    {
        try
        {
            if (record.Topic == _profilesTopic)
            {
                return ParseProfile(record, cancellationToken);
            }
            var outcome = Parse(record, maxEventTimeSkew: options.MaxEventTimeSkew);
            if (outcome.Mention is not { } parsed)
            {
                return new Parsed(null, null, null, outcome.Rejection!, null);
            }
            var mention = authorPseudonyms?.PseudonymiseAuthor(parsed) ?? parsed;
            var entityId = mention.EntityId.Value;
            CountIfMisaligned(record, entityId);
            return new Parsed(mention, entityId, null, null, brands.CheckAsync(mention.Brand, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new Parsed(null, null, null, Threw(ex), null);
        }
    }

    private Parsed ParseProfile(ConsumedRecord record, CancellationToken cancellationToken)
    {
        // A key that is not UTF-8 would decode to another customer's id (each bad byte read as U+FFFD).
        if (record.Key is { } bytes && !Utf8.IsValid(bytes))
        {
            return new Parsed(null, null, null, new Rejection(RejectReason.InvalidProfile, "profile key is not valid UTF-8"), null);
        }
        var key = record.Key is null ? "" : Encoding.UTF8.GetString(record.Key);
        // A tombstone may also name a prospect ({brand}:{platform}:{authorId}, as `socialcrm forget --author` writes it).
        if (!(record.Value is null ? EntityId.TryParseCustomerOrProspect(key, out var id) : EntityId.TryParseCustomer(key, out id)))
        {
            return new Parsed(null, null, null, new Rejection(RejectReason.InvalidProfile,
                $"profile key '{key}' is not {EntityId.CustomerKeyRule}{(record.Value is null ? " nor a prospect's brand:platform:authorId" : "")}"), null);
        }
        CountIfMisaligned(record, id.Value);
        CustomerProfile? profile = null;
        if (record.Value is { } value && !CustomerProfileJson.TryParseValue(value, out profile, out var invalid))
        {
            return new Parsed(null, null, null, invalid, null);
        }
        return new Parsed(null, null, new ApplyProfile(id.Value, profile, record.Position), null, brands.CheckAsync(id.Brand, cancellationToken));
    }

    /// <summary>Sets aside the records whose brand is refused; groups the others by customer, in order.</summary>
    private CustomerBatch ToCustomerBatch(ConsumedRecord[] records, Parsed[] parsed)
    {
        var builder = new CustomerBatchBuilder(records.Length, () => Interlocked.Increment(ref _sequence));
        for (var i = 0; i < parsed.Length; i++)
        {
            if (parsed[i].Admission is not { } admission)
            {
                continue;
            }
            if (admission.Result is { } refused)
            {
                parsed[i] = parsed[i] with { Rejection = refused };
            }
            else if (parsed[i] is { Mention: { } mention, EntityId: { } entityId })
            {
                builder.AddMention(i, entityId, new PositionedMention(mention, records[i].Position));
            }
            else
            {
                builder.AddProfile(i, parsed[i].Profile!);
            }
        }
        return builder.Build();
    }

    /// <summary>Dead-letters what was set aside (before the customers or by them) and says what became of every record, in order.</summary>
    private async Task<Processed[]> FinishAsync(ConsumedRecord[] records, Parsed[] parsed, ApplyOutcome[] outcomes)
    {
        var processed = new Processed[records.Length];
        List<Task>? deadLettering = null;
        for (var i = 0; i < processed.Length; i++)
        {
            if ((parsed[i].Rejection ?? outcomes[i].Rejection) is { } rejection)
            {
                (deadLettering ??= []).Add(DeadLetterAsync(records[i], rejection));
                processed[i] = new Processed(records[i], DeadLettered: true);
            }
            else
            {
                // Done when its own customer answered, not when the batch's slowest did: its effects were written then.
                processed[i] = new Processed(records[i], parsed[i].Mention, outcomes[i].Observation)
                {
                    EffectsWrittenAt = outcomes[i].AnsweredAt == default ? DateTimeOffset.UtcNow : outcomes[i].AnsweredAt,
                };
            }
        }
        if (deadLettering is not null)
        {
            await Task.WhenAll(deadLettering).ConfigureAwait(false);
        }
        return processed;
    }

    /// <summary>A bug a record exposed: set it aside, keep the stream. Only the type is kept: a message could quote the payload.</summary>
    private static Rejection Threw(Exception ex) =>
        new(RejectReason.ProcessingError, $"processing the record threw {ex.GetType().Name}", ex.GetType().FullName ?? ex.GetType().Name);

    /// <summary>A record on another partition than its entity's: the producer does not partition with murmur2 (the Java default).</summary>
    private void CountIfMisaligned(ConsumedRecord record, string entityId)
    {
        if (KafkaPartitioner.PartitionFor(entityId, _partitions) != record.Position.Partition)
        {
            metrics.Misaligned(record.Topic);
        }
    }

    private async Task DeadLetterAsync(ConsumedRecord record, Rejection rejection)
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
    }
}
