using Akka.Actor;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Sends the requests of each batch to the customers and collects their answers: one long-lived actor per
/// pipeline instead of an ask (a temporary actor and a task) per request. Answers are matched by sequence number.
/// Per customer one message is in flight at a time, in the order the batches arrive: a customer skips records below
/// its per-partition watermark, so a request must never overtake an earlier one of the same customer (a request that
/// sharding drops during a shard hand-off, sent again after <c>Pipeline:AskTimeout</c>, would otherwise arrive after
/// a later one and be skipped as applied). Different customers run in parallel.
/// The requests that queue up behind a customer's message meanwhile (one per batch under load) go on together: its
/// consecutive mention requests merged into one message (<see cref="CustomerMessage"/>), so that a hot customer costs
/// one write per answer rather than one per batch.
/// </summary>
public sealed class CustomerDispatcher : ReceiveActor, IWithTimers
{
    private readonly IActorRef _customers;
    private readonly PipelineStats _stats;
    private readonly RateLimitedLog _log;
    private readonly TimeSpan _timeout;

    /// <summary>Per customer with a message in flight, the requests waiting behind it, in batch order.</summary>
    private readonly Dictionary<string, Queue<CustomerRequest>> _waiting = new(StringComparer.Ordinal);

    /// <summary>The messages in flight by sequence number, which their answers carry.</summary>
    private readonly Dictionary<long, CustomerMessage> _inFlight = [];

    private readonly Func<long> _nextMergedSequence;

    /// <summary>
    /// Merged messages are numbered here, below zero: the batches' requests are numbered above zero (the
    /// <see cref="CustomerBatchBuilder"/> insists), so no answer is taken for another without the two sharing a counter.
    /// </summary>
    private long _lastMergedSequence;

    public CustomerDispatcher(IActorRef customers, PipelineStats stats, RateLimitedLog log, TimeSpan timeout)
    {
        _customers = customers;
        _stats = stats;
        _log = log;
        _timeout = timeout;
        _nextMergedSequence = () => --_lastMergedSequence;
        Receive<CustomerBatch>(Dispatch);
        Receive<MentionsApplied>(applied => Answered(applied.Sequence, applied));
        Receive<ProfileApplied>(applied => Answered(applied.Sequence, applied));
        Receive<CustomerFailed>(failed => Answered(failed.Sequence, failed));
        Receive<SendOverdueAgain>(_ => SendOverdueRequestsAgain());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef customers, PipelineStats stats, RateLimitedLog log, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new CustomerDispatcher(customers, stats, log, timeout));

    protected override void PreStart()
    {
        // Overdue requests are found within a quarter of the timeout after it passed.
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, _timeout.Ticks / 4));
        Timers.StartPeriodicTimer(nameof(SendOverdueAgain), SendOverdueAgain.Instance, period);
    }

    private void Dispatch(CustomerBatch batch)
    {
        foreach (var request in batch.Requests)
        {
            if (_waiting.TryGetValue(request.EntityId, out var waiting))
            {
                waiting.Enqueue(request);
                continue;
            }
            _waiting.Add(request.EntityId, new Queue<CustomerRequest>());
            Send(CustomerMessage.Of(request));
        }
    }

    private void Send(CustomerMessage message)
    {
        message.SentAt = DateTime.UtcNow;
        _inFlight.Add(message.Sequence, message);
        _customers.Tell(message.Message, Self);
    }

    private void Answered(long sequence, object answer)
    {
        // An answer to a message sent twice arrives twice: the second finds nothing in flight under its number.
        if (!_inFlight.Remove(sequence, out var message))
        {
            return;
        }
        if (answer is not CustomerFailed)
        {
            _stats.CountProcessed(message.Records);
        }
        message.Complete(answer, DateTimeOffset.UtcNow);
        var waiting = _waiting[message.EntityId];
        if (waiting.Count > 0)
        {
            Send(CustomerMessage.TakeNext(waiting, _nextMergedSequence));
        }
        else
        {
            _waiting.Remove(message.EntityId);
        }
    }

    private void SendOverdueRequestsAgain()
    {
        var now = DateTime.UtcNow;
        foreach (var message in _inFlight.Values)
        {
            if (now - message.SentAt < _timeout)
            {
                continue;
            }
            // The customer may be waiting on a slow store; sending again (the same message, merged or not, under the
            // same number) is safe, it skips what it applied.
            message.SentAt = now;
            _stats.CountAskRetry();
            _log.Warning("ask-timeout", "Customer {Entity} did not confirm {Records} record(s) within {Timeout}; asking again",
                _log.EntityIds.Redact(message.EntityId), message.Records, _timeout);
            _customers.Tell(message.Message, Self);
        }
    }

    private sealed class SendOverdueAgain
    {
        public static readonly SendOverdueAgain Instance = new();
    }
}
