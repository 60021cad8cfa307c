using Akka.Actor;
using Akka.Event;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>How a customer entity retries a store that fails, and gives up on one that refuses its data.</summary>
public sealed partial class CustomerEntity
{
    private RareState Rare => _rare ??= new RareState();

    /// <summary>A load, write or forget succeeded: the failures before it no longer count (nor are kept, when nothing else is).</summary>
    private void ClearFailures()
    {
        if (_rare is null)
        {
            return;
        }
        _rare.FailedAttempts = 0;
        if (_rare is { ReloadedOnSuperseded: false, Tombstone: null, ErasedBy: null })
        {
            _rare = null;
        }
    }

    private void OnFailure(string kind, string doing, Exception cause, object retry)
    {
        var rare = Rare;
        rare.FailedAttempts++;
        var refused = (cause is AggregateException { InnerException: { } inner } ? inner : cause) is StoreRefusedException;
        if (refused && rare.FailedAttempts >= _dependencies.RefusedAttempts)
        {
            GiveUp(doing, cause);
            return;
        }
        if (_dependencies.FailureLog.ShouldLog(kind, out var suppressed))
        {
            Log.Warning("{0} customer {1} failed (attempt {2}: {3}); retrying ({4} similar failures since last logged)",
                doing, _dependencies.Pseudonyms.ForLog(_id), rare.FailedAttempts, _dependencies.Pseudonyms.Scrub(cause.Message, _id), suppressed);
        }
        rare.Retry = Context.System.Scheduler.ScheduleTellOnceCancelable(_dependencies.Backoff(rare.FailedAttempts), Self, retry, Self);
    }

    /// <summary>
    /// Answers everything waiting here <see cref="CustomerFailed"/> and stops, dropping the unwritten state: those
    /// records are set aside by the asker, and the next record of this customer starts it afresh from the store.
    /// </summary>
    /// <param name="asker">Who asked the message being handled when it threw, when it may not be among those waiting yet (a second answer is harmless: the ask takes the first).</param>
    /// <param name="message">The message being handled (its sequence number goes into the asker's answer).</param>
    private void GiveUp(string doing, Exception cause, IActorRef? asker = null, object? message = null)
    {
        _rare?.Retry?.Cancel();
        var exceptionType = cause.GetType().FullName ?? cause.GetType().Name;
        var failed = new CustomerFailed(_id.Value ?? "", exceptionType,
            $"{doing} the customer failed after {Math.Max(1, _rare?.FailedAttempts ?? 0)} attempt(s): {cause.GetType().Name}");
        // Each waiting request gets the answer under its own sequence number, so a sender with many requests knows which failed.
        asker?.Tell(failed with { Sequence = SequenceOf(message) });
        foreach (var (sender, reply, _) in _awaiting ?? [])
        {
            sender.Tell(failed with { Sequence = SequenceOf(reply) });
        }
        foreach (var (held, sender) in _held ?? [])
        {
            if (held is IWithEntityId)
            {
                sender.Tell(failed with { Sequence = SequenceOf(held) });
            }
        }
        if (_rare?.Tombstone is { } tombstone)
        {
            tombstone.ReplyTo.Tell(failed with { Sequence = tombstone.Reply.Sequence });
            _rare.Tombstone = null;
        }
        _awaiting = null;
        _held = null;
        _dependencies.Metrics.EntityFailed(CustomerShardingExtensions.TypeName);
        LogThrottled("customer-failed", "Customer {0} gave up: {1}; its waiting records are dead-lettered", failed.Detail);
        Context.Stop(Self);
    }

    private void LogThrottled(string kind, string template, string detail)
    {
        if (_dependencies.FailureLog.ShouldLog(kind, out var suppressed))
        {
            Log.Warning(template + " ({2} similar since last logged)", _dependencies.Pseudonyms.ForLog(_id), detail, suppressed);
        }
    }

    /// <summary>
    /// What only an entity that failed, was superseded, or was erased needs: apart from the entity, so that each of a
    /// node's many quiet entities is smaller by these fields.
    /// </summary>
    private sealed class RareState
    {
        /// <summary>Failed loads, writes or forgets in a row.</summary>
        public int FailedAttempts;

        /// <summary>Reloaded because a write was superseded, and nothing written since: superseded again, it stops.</summary>
        public bool ReloadedOnSuperseded;

        public PendingTombstone? Tombstone;

        /// <summary>Tombstones in effect (from the erasure marker, or carried out here); null for an entity never erased.</summary>
        public List<SourcePosition>? ErasedBy;

        /// <summary>The scheduled retry of a failed load, write or forget; only while the store fails.</summary>
        public ICancelable? Retry;
    }
}
