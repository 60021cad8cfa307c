using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>A mention and where it was read.</summary>
public readonly record struct PositionedMention(Mention Mention, SourcePosition Position);

/// <summary>
/// A request to a customer and its answer carry the sender's <see cref="Sequence"/> number, so that one long-lived
/// sender can tell which of its requests an answer is for (an answer to a request sent again after a timeout
/// arrives twice: the second is recognised and ignored). Asks that await one answer leave it 0.
/// </summary>
public interface ICustomerExchange
{
    long Sequence { get; }
}

/// <summary>
/// Apply mentions of one customer, in order: the customer's mentions of one batch of a node's records travel
/// together, so they cost one message and one write. Answered with <see cref="MentionsApplied"/> (same
/// <see cref="Sequence"/>) once all their effects are durable.
/// </summary>
public sealed record ApplyMentions(string EntityId, IReadOnlyList<PositionedMention> Mentions) : IWithEntityId, IClusterMessage, ICustomerExchange
{
    /// <summary>At most this many mentions travel in one message (a bound on its size across nodes).</summary>
    public const int MaxMentions = 128;

    public long Sequence { get; init; }

    // Record equality would compare the list by reference; two batches are equal when their mentions are.
    public bool Equals(ApplyMentions? other) =>
        other is not null && EntityId == other.EntityId && Sequence == other.Sequence && Mentions.SequenceEqual(other.Mentions);

    public override int GetHashCode() => HashCode.Combine(EntityId, Sequence, Mentions.Count);
}

/// <summary>
/// The mentions of an <see cref="ApplyMentions"/> are applied (or were already) and everything they caused
/// is written. One observation per mention, in the same order, set only where this ask applied it, so
/// replays are never counted twice. A mention whose apply threw is listed in <see cref="Failed"/> instead
/// (a bug it exposed): it is set aside with a reason, and the others of the batch go on.
/// </summary>
public sealed record MentionsApplied(IReadOnlyList<MentionObservation?> Observations, IReadOnlyList<FailedMention> Failed) : IClusterMessage, ICustomerExchange
{
    public MentionsApplied(IReadOnlyList<MentionObservation?> observations)
        : this(observations, [])
    {
    }

    public long Sequence { get; init; }

    public bool Equals(MentionsApplied? other) =>
        other is not null && Sequence == other.Sequence && Observations.SequenceEqual(other.Observations) && Failed.SequenceEqual(other.Failed);

    public override int GetHashCode() => HashCode.Combine(Sequence, Observations.Count, Failed.Count);
}

/// <summary>The mention at <see cref="Index"/> of a batch threw while applied; the exception's type, never its message.</summary>
public readonly record struct FailedMention(int Index, string ExceptionType);

/// <summary>
/// The answer to any ask of a customer that gave up: its store refused its data for longer than the bounded
/// retries (or something on its path threw). The records asked about are set aside with a reason rather than
/// holding up every other customer behind them; the next record starts the customer afresh.
/// </summary>
public sealed record CustomerFailed(string EntityId, string ExceptionType, string Detail) : IClusterMessage, ICustomerExchange
{
    /// <summary>The request this answers (each waiting request gets its own copy).</summary>
    public long Sequence { get; init; }
}

/// <summary>What the consuming node needs for the brand's per-minute counts: the sentiment class, and whether the customer's consent allows quoting the text as evidence.</summary>
public readonly record struct MentionObservation(SentimentClass Class, bool MayQuote);

/// <summary>Sent by sharding on hand-off and passivation: finish the write in flight, then stop.</summary>
public sealed record StopCustomer : IClusterMessage
{
    public static readonly StopCustomer Instance = new();
}
