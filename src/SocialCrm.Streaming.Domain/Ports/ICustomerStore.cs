using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>Where customer state lives between entity incarnations (Redis in production).</summary>
public interface ICustomerStore
{
    /// <summary>The stored snapshot, or null for a customer never seen.</summary>
    Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken);

    /// <summary>
    /// Applies one flush atomically, and tells <paramref name="outcome"/> how it ended exactly once, on whichever thread
    /// the store finishes on; it never throws, a failure goes to <see cref="IWriteOutcome.Failed"/>. A flush that reached
    /// the store and changed nothing is <see cref="IWriteOutcome.Stale"/>: the stored version is already this one or
    /// newer, or is not the <see cref="CustomerWrite.BaseVersion"/> of a write of changes, because the write was applied
    /// before (a retry) or another incarnation of the customer wrote (or forgot it) meanwhile. The writer must then
    /// reload rather than assume its state is the stored one. (A callback rather than a task: a flush is the hot path,
    /// and its task, the timing's state machine and the writer's continuation cost a hop to the thread pool and about
    /// 4 % of a mention's allocation.)
    /// </summary>
    void Write(CustomerWrite write, IWriteOutcome outcome);

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

/// <summary>How one <see cref="ICustomerStore.Write"/> ended; told once, so each must be quick and must not throw.</summary>
public interface IWriteOutcome
{
    /// <summary>The flush is durable.</summary>
    void Applied();

    /// <summary>The flush reached the store and changed nothing (see <see cref="ICustomerStore.Write"/>).</summary>
    void Stale();

    void Failed(Exception cause);
}

public static class CustomerStoreExtensions
{
    /// <summary><see cref="ICustomerStore.Write"/> as a task: true when applied, false when stale.</summary>
    public static Task<bool> WriteAsync(this ICustomerStore store, CustomerWrite write)
    {
        var outcome = new TaskOutcome();
        store.Write(write, outcome);
        return outcome.Task;
    }

    /// <summary>Continuations run on the thread pool, not on the store's thread that tells the outcome.</summary>
    private sealed class TaskOutcome() : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously), IWriteOutcome
    {
        public void Applied() => TrySetResult(true);

        public void Stale() => TrySetResult(false);

        public void Failed(Exception cause) => TrySetException(cause);
    }
}
