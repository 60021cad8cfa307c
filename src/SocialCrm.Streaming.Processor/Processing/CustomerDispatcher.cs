using Akka.Actor;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Sends the requests of each batch to the customers and collects their answers: one long-lived actor per
/// pipeline instead of an ask (a temporary actor and a task) per request. Answers are matched by sequence number.
/// Per customer one request is in flight at a time, in the order the batches arrive: a customer skips records below
/// its per-partition watermark, so a request must never overtake an earlier one of the same customer (a request that
/// sharding drops during a shard hand-off, sent again after <c>Pipeline:AskTimeout</c>, would otherwise arrive after
/// a later one and be skipped as applied). Different customers run in parallel.
/// </summary>
public sealed class CustomerDispatcher : ReceiveActor, IWithTimers
{
    private readonly IActorRef _customers;
    private readonly PipelineStats _stats;
    private readonly RateLimitedLog _log;
    private readonly TimeSpan _timeout;

    /// <summary>Per customer, its requests not answered yet; the first is in flight.</summary>
    private readonly Dictionary<string, Queue<CustomerRequest>> _lines = new(StringComparer.Ordinal);

    /// <summary>The requests in flight by sequence number, which their answers carry.</summary>
    private readonly Dictionary<long, CustomerRequest> _inFlight = [];

    public CustomerDispatcher(IActorRef customers, PipelineStats stats, RateLimitedLog log, TimeSpan timeout)
    {
        _customers = customers;
        _stats = stats;
        _log = log;
        _timeout = timeout;
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
            if (_lines.TryGetValue(request.EntityId, out var line))
            {
                line.Enqueue(request);
                continue;
            }
            line = new Queue<CustomerRequest>();
            line.Enqueue(request);
            _lines.Add(request.EntityId, line);
            Send(request);
        }
    }

    private void Send(CustomerRequest request)
    {
        request.SentAt = DateTime.UtcNow;
        _inFlight.Add(request.Sequence, request);
        _customers.Tell(request.Message, Self);
    }

    private void Answered(long sequence, object answer)
    {
        // An answer to a request sent twice arrives twice: the second finds nothing in flight under its number.
        if (!_inFlight.Remove(sequence, out var request))
        {
            return;
        }
        if (answer is not CustomerFailed)
        {
            _stats.CountProcessed(request.Records.Length);
        }
        request.Batch.Complete(request, answer);
        var line = _lines[request.EntityId];
        line.Dequeue();
        if (line.TryPeek(out var next))
        {
            Send(next);
        }
        else
        {
            _lines.Remove(request.EntityId);
        }
    }

    private void SendOverdueRequestsAgain()
    {
        var now = DateTime.UtcNow;
        foreach (var request in _inFlight.Values)
        {
            if (now - request.SentAt < _timeout)
            {
                continue;
            }
            // The customer may be waiting on a slow store; sending again is safe, it skips what it applied.
            request.SentAt = now;
            _stats.CountAskRetry();
            _log.Warning("ask-timeout", "Customer {Entity} did not confirm {Records} record(s) within {Timeout}; asking again",
                _log.EntityIds.Redact(request.EntityId), request.Records.Length, _timeout);
            _customers.Tell(request.Message, Self);
        }
    }

    private sealed class SendOverdueAgain
    {
        public static readonly SendOverdueAgain Instance = new();
    }
}
