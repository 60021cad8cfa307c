using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>
/// What the mentions an entity applied since its last write raised and the next write carries: the signals, the
/// per-minute volume, the timeline entries. Made by the first apply after a write and dropped once that write is
/// built, so the idle entities of a node (nearly all of them) hold none of it, not even empty collections.
/// </summary>
public sealed class PendingEffects
{
    /// <summary>A mutable struct: counted into through this field, never through a copy.</summary>
    private VolumeTally _volume;

    public List<DomainSignal> Signals { get; } = [];

    /// <summary>Timeline entries of the mentions applied (see <see cref="TimelineEntry"/>), UTF-8.</summary>
    public List<byte[]> Timeline { get; } = [];

    public void CountVolume(DateTimeOffset eventTime, SentimentClass sentimentClass) => _volume.Add(eventTime, sentimentClass);

    /// <summary>The counts by minute and class, for the write that carries these effects.</summary>
    public IReadOnlyList<VolumeIncrement> VolumeIncrements() => _volume.ToIncrements();
}
