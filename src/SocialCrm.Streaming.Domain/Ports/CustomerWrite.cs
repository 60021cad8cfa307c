using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>
/// Everything one flush of a customer entity makes durable, atomically: the state snapshot, its
/// leaderboard scores, per-minute volume increments and the signals raised since the last flush.
/// <see cref="Version"/> increases with every flush of the entity; a store applies a write only if
/// its version is newer than the stored one, so a retried flush is never counted twice.
/// </summary>
public sealed record CustomerWrite(
    EntityId Id,
    long Version,
    IReadOnlyList<SnapshotField> Fields,
    double? RiskScore,
    double? AdvocacyScore,
    IReadOnlyList<VolumeIncrement> Volume,
    IReadOnlyList<OutboundSignal> Signals)
{
    /// <summary>
    /// Null when <see cref="CustomerWrite.Fields"/> is the complete snapshot. Otherwise the write holds only what
    /// changed since the snapshot of this version (fields, and the scores that are not null), and a store applies
    /// it only on top of exactly that version, so the stored snapshot is always a whole one.
    /// </summary>
    public long? BaseVersion { get; init; }

    /// <summary>
    /// The writer's claim on the customer's partition, when it has one: a store refuses the write (as stale) once a
    /// later owner of the partition wrote to the brand, so a node that lost the partition without knowing it (a
    /// zombie after a pause) writes nothing more. Null: not fenced (the flush version alone decides).
    /// </summary>
    public WriteFence? Fence { get; init; }

    /// <summary>The mentions applied since the last flush, oldest first, as <see cref="TimelineEntry"/> JSON (UTF-8).</summary>
    public IReadOnlyList<byte[]> Timeline { get; init; } = [];

    /// <summary>Flush <paramref name="version"/> of <paramref name="changes"/>: changes that are not the whole snapshot apply on top of the version before.</summary>
    public static CustomerWrite Of(EntityId id, long version, SnapshotChanges changes, IReadOnlyList<VolumeIncrement> volume, IReadOnlyList<OutboundSignal> signals,
        IReadOnlyList<byte[]>? timeline = null, WriteFence? fence = null) =>
        new(id, version, changes.Fields, changes.RiskScore, changes.AdvocacyScore, volume, signals)
        {
            BaseVersion = changes.Complete ? null : version - 1,
            Fence = fence,
            Timeline = timeline ?? [],
        };
}

/// <summary>Mentions of one sentiment class counted into one minute bucket (<c>yyyyMMddHHmm</c>, event time, UTC).</summary>
public readonly record struct VolumeIncrement(string Minute, string SentimentClass, int Count);

/// <summary>
/// An owner's token for a Kafka partition: <see cref="Epoch"/> increases with every assignment of the partition to any
/// node, so the current owner's epoch is the highest one.
/// </summary>
public readonly record struct WriteFence(int Partition, long Epoch);
