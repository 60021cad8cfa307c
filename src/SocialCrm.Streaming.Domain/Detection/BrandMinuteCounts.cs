using SocialCrm.Streaming.Domain.Alerts;

namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// Mentions of one brand in one minute bucket (event time, <see cref="BrandMonitor.MinuteOf"/>) by sentiment
/// class: what the cluster sends per brand per minute from each stream (several messages for the same bucket
/// add up). <see cref="Samples"/> are optional evidence (already redacted); <see cref="LatestEventTime"/> is the
/// latest event time counted (used as detectedAt).
/// </summary>
public sealed record BrandMinuteCounts(string Brand, long MinuteBucket, int Negative, int Neutral, int Positive)
{
    public IReadOnlyList<Evidence>? Samples { get; init; }
    public DateTimeOffset? LatestEventTime { get; init; }
    public int Total => Negative + Neutral + Positive;
}
