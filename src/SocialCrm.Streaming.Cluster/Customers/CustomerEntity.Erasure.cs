using Akka.Actor;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>How a customer entity forgets its customer on a profile tombstone, and skips what replays the erased.</summary>
public sealed partial class CustomerEntity
{
    private void Forgetting(object message, IActorRef sender)
    {
        switch (message)
        {
            case Forgotten:
                // The watermarks stay (they are in the erasure marker): a replayed old mention is skipped, not applied again.
                _state = CustomerState.WatermarksOf(_state);
                _version = 0;
                var rare = Rare;
                var tombstone = rare.Tombstone!;
                rare.ErasedBy ??= [];
                rare.ErasedBy.RemoveAll(p => p.Partition == tombstone.Reply.Position.Partition);
                rare.ErasedBy.Add(tombstone.Reply.Position);
                _dependencies.Metrics.Erased();
                _pending = null;
                rare.Tombstone = null;
                ClearFailures();
                tombstone.ReplyTo.Tell(tombstone.Reply);
                if (_stopRequested)
                {
                    Context.Stop(Self);
                    return;
                }
                _phase = Phase.Ready;
                HandleHeld();
                break;
            case ForgetFailed failed:
                OnFailure("customer-forget", "Forgetting", failed.Cause, RetryForget.Instance);
                break;
            case RetryForget:
                StartForget();
                break;
            default:
                Hold(message, sender);
                break;
        }
    }

    private void Forget(ApplyProfile tombstone, IActorRef sender)
    {
        if (_rare?.ErasedBy?.Exists(p => p.Partition == tombstone.Position.Partition && p.Offset >= tombstone.Position.Offset) == true)
        {
            // This tombstone (or a later one) is in effect already: a replay; erased and announced once.
            sender.Tell(Answer(tombstone));
            return;
        }
        Rare.Tombstone = new PendingTombstone(sender, Answer(tombstone));
        _phase = Phase.Forgetting;
        StartForget();
    }

    private void StartForget() =>
        AnnounceAndEraseAsync(_dependencies, new Erasure(_id, Rare.Tombstone!.Reply.Position))
            .PipeTo(Self, success: () => Forgotten.Instance, failure: ex => new ForgetFailed(ex));

    /// <summary>
    /// Announced first, then erased: the marker that makes a replayed tombstone a no-op is stored only once the
    /// announcement is acknowledged, so none is lost; one repeated after a failure carries the same erasure id.
    /// </summary>
    private static async Task AnnounceAndEraseAsync(CustomerEntityDependencies dependencies, Erasure erasure)
    {
        await dependencies.Erasures.PublishAsync(erasure, CancellationToken.None).ConfigureAwait(false);
        await dependencies.Store.ForgetAsync(erasure, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>An erased entity that applied nothing since: the mentions skipped are replays of the erased person's.</summary>
    private void CountSkippedAsErased(MentionObservation?[] observations, int failed)
    {
        var skipped = observations.Count(o => o is null) - failed;
        if (skipped == 0)
        {
            return;
        }
        _dependencies.Metrics.MentionsSkippedAsErased(skipped);
        LogThrottled("customer-skipped-erased", "Customer {0} is erased: {1} replayed mention(s) skipped (skipped-erased)", skipped.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
