using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Privacy;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>What every customer entity of a node shares: the rules, the store, the downstream publisher.</summary>
public sealed record CustomerEntityDependencies(CustomerModel Model, ICustomerStore Store, ISignalPublisher Publisher, IErasurePublisher Erasures)
{
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times a load, write or forget the store refuses (or a stored state that does not restore) is tried before the customer gives up.</summary>
    public int RefusedAttempts { get; init; } = 5;

    /// <summary>Where entities report starts, stops, passivations and written signals.</summary>
    public IEntityMetrics Metrics { get; init; } = NoEntityMetrics.Instance;

    /// <summary>Store failures are logged once per kind per period for all of the node's customers.</summary>
    public LogThrottle FailureLog { get; init; } = new(TimeSpan.FromSeconds(30));

    /// <summary>The node's claim on the partition of a customer, for its writes (null: this node holds no claim on it).</summary>
    public Func<EntityId, WriteFence?> FenceOf { get; init; } = static _ => null;

    /// <summary>Entity ids in logs are these pseudonyms (topology/privacy.md); the host passes the configured key.</summary>
    public Pseudonymizer Pseudonyms { get; init; } = Pseudonymizer.Ephemeral();

    public TimeSpan Backoff(int attempt) => RetryBackoff.After(attempt, MaxBackoff);
}
