using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>Where customer state lives between entity incarnations (Redis in production).</summary>
public interface ICustomerStore
{
    /// <summary>The stored snapshot, or null for a customer never seen.</summary>
    Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken);

    /// <summary>
    /// Applies one flush atomically. False when the stored version is already this one or newer, or is not the
    /// <see cref="CustomerWrite.BaseVersion"/> of a write of changes: the write changed nothing, because it was
    /// applied before (a retry) or another incarnation of the customer wrote (or forgot it) meanwhile. The
    /// writer must then reload rather than assume its state is the stored one.
    /// </summary>
    Task<bool> WriteAsync(CustomerWrite write, CancellationToken cancellationToken);

    /// <summary>Writes brand-level signals (not tied to one customer), idempotent on their ids.</summary>
    Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken);

    /// <summary>
    /// Removes everything stored about a customer or prospect (a profile tombstone: the right to be forgotten) but a
    /// marker of its watermarks and the tombstone's position, which names no one and expires, so that a replayed old
    /// mention is skipped rather than bringing them back and the same tombstone read again is known as applied.
    /// </summary>
    Task ForgetAsync(Erasure erasure, CancellationToken cancellationToken);

    /// <summary>
    /// A brand monitor's saved detector state (baselines, open minutes), or null for a brand never saved; throws
    /// <see cref="Snapshots.UnreadableStateException"/> when what is stored there can never be read as it.
    /// </summary>
    Task<byte[]?> LoadBrandMonitorAsync(string brand, CancellationToken cancellationToken);

    /// <summary>Saves a brand monitor's detector state, so a monitor started elsewhere (hand-off, node loss) goes on from it.</summary>
    Task SaveBrandMonitorAsync(string brand, byte[] state, CancellationToken cancellationToken);
}

/// <summary>A stored snapshot: the version of the flush that wrote it and its fields.</summary>
public sealed record StoredCustomer(long Version, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>The tombstones already in effect for this entity (from its erasure marker), at most one per profiles partition.</summary>
    public IReadOnlyList<SourcePosition> Tombstones { get; init; } = [];
}

/// <summary>The downstream topics of alerts and triggers.</summary>
public interface ISignalPublisher
{
    /// <summary>Completes once every signal is acknowledged by the broker.</summary>
    Task PublishAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken);
}

/// <summary>
/// The store answered and refused a customer's data (a key holding another type, stored fields that do not
/// read back, a script error): the same call would fail again, so a writer retries it only a bounded number
/// of times. Any other failure of a store call (unreachable, timed out, busy) is worth retrying for as long as it lasts.
/// </summary>
public sealed class StoreRefusedException(string message, Exception innerException) : Exception(message, innerException);
