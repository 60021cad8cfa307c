using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>Apply one mention to its customer; answered with <see cref="MentionApplied"/> once its effects are durable.</summary>
public sealed record ApplyMention(string EntityId, Mention Mention, SourcePosition Position) : IWithEntityId, IClusterMessage;

/// <summary>The mention at <see cref="Position"/> is applied (or was already) and everything it caused is written.</summary>
public sealed record MentionApplied(SourcePosition Position) : IClusterMessage;

/// <summary>Sent by sharding on hand-off and passivation: finish the write in flight, then stop.</summary>
public sealed record StopCustomer : IClusterMessage
{
    public static readonly StopCustomer Instance = new();
}
