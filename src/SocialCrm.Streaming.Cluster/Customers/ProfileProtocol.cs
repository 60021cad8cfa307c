using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>A customer's CRM profile changed; a null profile (a tombstone) means: forget this customer.</summary>
public sealed record ApplyProfile(string EntityId, CustomerProfile? Profile, SourcePosition Position) : IWithEntityId, IClusterMessage, ICustomerExchange
{
    public long Sequence { get; init; }
}

/// <summary>The profile record at <see cref="Position"/> is in effect and durable.</summary>
public sealed record ProfileApplied(SourcePosition Position) : IClusterMessage, ICustomerExchange
{
    public long Sequence { get; init; }
}
