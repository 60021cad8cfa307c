using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>Apply one mention to its customer; answered with <see cref="MentionApplied"/> once its effects are durable.</summary>
public sealed record ApplyMention(string EntityId, Mention Mention, SourcePosition Position) : IWithEntityId, IClusterMessage;

/// <summary>
/// The mention at <see cref="Position"/> is applied (or was already) and everything it caused is written.
/// <see cref="Observation"/> is set only when this ask applied it, so replays are never counted twice.
/// </summary>
public sealed record MentionApplied(SourcePosition Position, MentionObservation? Observation = null) : IClusterMessage;

/// <summary>What the consuming node needs for the brand's per-minute counts: the sentiment class, and whether the customer's consent allows quoting the text as evidence.</summary>
public readonly record struct MentionObservation(SentimentClass Class, bool MayQuote);

/// <summary>Sent by sharding on hand-off and passivation: finish the write in flight, then stop.</summary>
public sealed record StopCustomer : IClusterMessage
{
    public static readonly StopCustomer Instance = new();
}
