using SocialCrm.Streaming.Domain.Alerts;

namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>An open minute bucket of one brand in <see cref="BrandMonitor"/>: its counts so far, which tests fired, its evidence samples.</summary>
internal sealed class BrandBucket
{
    public static readonly BrandBucket Empty = new();
    public int Negative;
    public int Neutral;
    public int Positive;
    public bool VolumeFired;
    public bool ShiftFired;
    public readonly List<Evidence> Samples = [];
    public int Total => Negative + Neutral + Positive;
}
