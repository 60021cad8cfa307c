using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Per entity, one ask in flight at a time, in the order the stream hands records over; whatever queues
/// behind it goes in the next ask together.
/// Order: an entity skips records below its per-partition watermark, so a record must never overtake an
/// earlier one of the same entity (an ask that sharding drops during a shard hand-off and repeats after its
/// timeout would otherwise arrive after a later record and be skipped as already applied).
/// Batching: a busy customer's records cost one message, one write and one reply per round trip instead of
/// one each. Different entities run in parallel.
/// </summary>
/// <param name="ask">Sends one message to the entities and returns the reply (retrying as it sees fit); the int is the number of records it carries.</param>
public sealed class EntityAskQueue(Func<object, int, CancellationToken, Task<object>> ask)
{
    /// <summary>
    /// A bound on a batch's size across nodes, under remoting's default frame of 128,000 bytes: a mention's
    /// strings are counted at 3 UTF-8 bytes a character (the most a UTF-16 character needs), plus its numbers.
    /// </summary>
    private const int BatchByteBudget = 96_000;

    private const int BytesPerMentionBesidesStrings = 64;

    private readonly Dictionary<string, Queue<Pending>> _queues = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>A check that every record passes (the default <c>admitted</c>).</summary>
    private static readonly Task<Rejection?> NoCheck = Task.FromResult<Rejection?>(null);

    /// <summary>
    /// Applies a mention after every earlier record of its entity; completes with its outcome. <paramref name="admitted"/>
    /// is a check that may still be running (a brand being registered): the record keeps its place in its entity's order
    /// meanwhile, and is set aside with the check's rejection instead of applied when it fails.
    /// </summary>
    public Task<ApplyOutcome> ApplyMentionAsync(string entityId, PositionedMention mention, CancellationToken cancellationToken, Task<Rejection?>? admitted = null) =>
        Enqueue(entityId, new Pending(mention, null, admitted ?? NoCheck, cancellationToken));

    /// <summary>Applies a profile record after every earlier record of its entity, alone in its ask (see <see cref="ApplyMentionAsync"/> for <paramref name="admitted"/>).</summary>
    public Task<ApplyOutcome> ApplyProfileAsync(ApplyProfile profile, CancellationToken cancellationToken, Task<Rejection?>? admitted = null) =>
        Enqueue(profile.EntityId, new Pending(default, profile, admitted ?? NoCheck, cancellationToken));

    private Task<ApplyOutcome> Enqueue(string entityId, Pending pending)
    {
        bool idle;
        lock (_gate)
        {
            idle = !_queues.TryGetValue(entityId, out var queue);
            if (idle)
            {
                queue = new Queue<Pending>();
                _queues.Add(entityId, queue);
            }
            queue!.Enqueue(pending);
        }
        if (idle)
        {
            _ = RunAsync(entityId);
        }
        return pending.Done.Task;
    }

    /// <summary>Asks for the entity's queued records, batch after batch, until none are left.</summary>
    private async Task RunAsync(string entityId)
    {
        while (TakeBatch(entityId) is { } batch)
        {
            try
            {
                if (await SetAsideUnadmittedAsync(batch).ConfigureAwait(false))
                {
                    continue;
                }
                var message = batch[0].Profile ?? (object)new ApplyMentions(entityId, [.. batch.Select(pending => pending.Mention)]);
                var reply = await ask(message, batch.Count, batch[0].CancellationToken).ConfigureAwait(false);
                Complete(batch, reply);
            }
            catch (Exception ex)
            {
                // Cancellation (the stream stops) or a failure the ask does not retry: the stream fails with it.
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>Completes and removes the records whose check failed, in order; true when none is left to ask about.</summary>
    private static async Task<bool> SetAsideUnadmittedAsync(List<Pending> batch)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            if (await batch[i].Admitted.ConfigureAwait(false) is { } rejection)
            {
                batch[i].Done.SetResult(new ApplyOutcome(null, rejection));
                batch.RemoveAt(i--);
            }
        }
        return batch.Count == 0;
    }

    private static void Complete(List<Pending> batch, object reply)
    {
        switch (reply)
        {
            case ProfileApplied:
                batch[0].Done.SetResult(default);
                break;
            case MentionsApplied applied:
                var outcomes = new ApplyOutcome[batch.Count];
                for (var i = 0; i < outcomes.Length; i++)
                {
                    outcomes[i] = new ApplyOutcome(applied.Observations[i], null);
                }
                foreach (var failed in applied.Failed)
                {
                    outcomes[failed.Index] = new ApplyOutcome(null,
                        new Rejection(RejectReason.ProcessingError, "applying the mention to its customer threw", failed.ExceptionType));
                }
                for (var i = 0; i < outcomes.Length; i++)
                {
                    batch[i].Done.SetResult(outcomes[i]);
                }
                break;
            case CustomerFailed failed:
                var rejection = new Rejection(RejectReason.EntityFailed, failed.Detail, failed.ExceptionType);
                foreach (var pending in batch)
                {
                    pending.Done.SetResult(new ApplyOutcome(null, rejection));
                }
                break;
            default:
                throw new InvalidOperationException($"a customer answered {reply.GetType().Name}, which is no answer to an apply");
        }
    }

    /// <summary>The next ask's records: a profile alone, or consecutive mentions within the size bounds; null when the queue is done (and removed).</summary>
    private List<Pending>? TakeBatch(string entityId)
    {
        lock (_gate)
        {
            var queue = _queues[entityId];
            if (queue.Count == 0)
            {
                _queues.Remove(entityId);
                return null;
            }
            var batch = new List<Pending>(Math.Min(queue.Count, ApplyMentions.MaxMentions)) { queue.Dequeue() };
            if (batch[0].Profile is not null)
            {
                return batch;
            }
            var bytes = EstimatedBytes(batch[0].Mention);
            while (batch.Count < ApplyMentions.MaxMentions
                   && queue.TryPeek(out var next) && next.Profile is null
                   && (bytes += EstimatedBytes(next.Mention)) <= BatchByteBudget)
            {
                batch.Add(queue.Dequeue());
            }
            return batch;
        }
    }

    private static int EstimatedBytes(PositionedMention positioned)
    {
        var mention = positioned.Mention;
        var characters = mention.Text.Length + mention.Id.Length + mention.Brand.Length + (mention.CustomerId?.Length ?? 0)
            + mention.Author.Id.Length + (mention.Author.Handle?.Length ?? 0) + (mention.Lang?.Length ?? 0) + (mention.InReplyTo?.Length ?? 0)
            + (mention.Url?.Length ?? 0);
        return 3 * characters + BytesPerMentionBesidesStrings;
    }

    private sealed class Pending(PositionedMention mention, ApplyProfile? profile, Task<Rejection?> admitted, CancellationToken cancellationToken)
    {
        public PositionedMention Mention { get; } = mention;
        public ApplyProfile? Profile { get; } = profile;
        public Task<Rejection?> Admitted { get; } = admitted;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<ApplyOutcome> Done { get; } = new();
    }
}

/// <summary>
/// What became of one record asked of its customer: applied (<see cref="Observation"/> says what the brand's counts
/// need, null when it was applied before), or set aside with a <see cref="Rejection"/> for the dead-letter topic.
/// </summary>
public readonly record struct ApplyOutcome(MentionObservation? Observation, Rejection? Rejection);
