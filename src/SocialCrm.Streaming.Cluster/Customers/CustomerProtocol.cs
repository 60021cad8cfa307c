using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>A mention and where it was read.</summary>
public readonly record struct PositionedMention(Mention Mention, SourcePosition Position);

/// <summary>
/// Apply mentions of one customer, in order: those that queued for the customer while its previous ask was
/// in flight travel together, so they cost one message and one write. Answered with
/// <see cref="MentionsApplied"/> once all their effects are durable.
/// </summary>
public sealed record ApplyMentions(string EntityId, IReadOnlyList<PositionedMention> Mentions) : IWithEntityId, IClusterMessage
{
    /// <summary>At most this many mentions travel in one message (a bound on its size across nodes).</summary>
    public const int MaxMentions = 128;

    // Record equality would compare the list by reference; two batches are equal when their mentions are.
    public bool Equals(ApplyMentions? other) =>
        other is not null && EntityId == other.EntityId && Mentions.SequenceEqual(other.Mentions);

    public override int GetHashCode() => HashCode.Combine(EntityId, Mentions.Count);
}

/// <summary>
/// The mentions of an <see cref="ApplyMentions"/> are applied (or were already) and everything they caused
/// is written. One observation per mention, in the same order, set only where this ask applied it, so
/// replays are never counted twice.
/// </summary>
public sealed record MentionsApplied(IReadOnlyList<MentionObservation?> Observations) : IClusterMessage
{
    public bool Equals(MentionsApplied? other) => other is not null && Observations.SequenceEqual(other.Observations);

    public override int GetHashCode() => Observations.Count;
}

/// <summary>What the consuming node needs for the brand's per-minute counts: the sentiment class, and whether the customer's consent allows quoting the text as evidence.</summary>
public readonly record struct MentionObservation(SentimentClass Class, bool MayQuote);

/// <summary>Sent by sharding on hand-off and passivation: finish the write in flight, then stop.</summary>
public sealed record StopCustomer : IClusterMessage
{
    public static readonly StopCustomer Instance = new();
}
