using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Sums this node's newly applied mentions per brand and minute (with a few negative ones as evidence),
/// so brand monitors get one message per brand and minute per flush instead of one per mention. Each
/// report carries the node's low watermark: the oldest partition watermark among its active partitions, so a
/// partition racing ahead while catching up on a backlog cannot close a minute another is still counting.
/// A partition's watermark follows the bulk of its records, not a few far ahead (<see cref="RobustWatermark"/>),
/// and never runs ahead of the wall clock.
/// </summary>
public sealed class BrandVolumeAggregator(TimeProvider? clock = null)
{
    private const int SamplesPerMinute = 3;
    /// <summary>A partition that delivered nothing for this long no longer holds the watermark back (it is idle, not slow).</summary>
    private static readonly TimeSpan IdlePartition = TimeSpan.FromSeconds(30);
    /// <summary>A partition's watermark is the second-latest of its last 32 minutes: one record far ahead cannot move it.</summary>
    private const int PartitionQuorum = 2;
    private const int PartitionWindow = 32;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, PartitionTime> _partitions = [];
    private readonly Dictionary<(string Brand, long Minute), Tally> _tallies = [];

    public void Add(Mention mention, MentionObservation observation, int partition)
    {
        var minute = BrandMonitor.MinuteOf(mention.CreatedAt);
        var key = (mention.Brand, minute);
        lock (_gate)
        {
            if (!_tallies.TryGetValue(key, out var tally))
            {
                _tallies[key] = tally = new Tally();
            }
            tally.Add(mention, observation);
            // Only partitions this node owns hold its watermark: a record of a revoked partition still finishing here
            // counts, but must not bring the partition back (stale, it would hold the brand's minutes open).
            if (_partitions.TryGetValue(partition, out var time))
            {
                time.Minutes.Observe(minute);
                time.SeenAt = _clock.GetTimestamp();
            }
        }
    }

    /// <summary>
    /// The mention partitions this node now owns. A newly assigned partition holds the watermark back from the
    /// start (it may have a backlog it has not delivered yet) until it delivers, or stays idle long enough.
    /// </summary>
    public void Track(IReadOnlyCollection<int> partitions)
    {
        lock (_gate)
        {
            foreach (var gone in _partitions.Keys.Where(p => !partitions.Contains(p)).ToList())
            {
                _partitions.Remove(gone);
            }
            foreach (var partition in partitions)
            {
                _partitions.TryAdd(partition, new PartitionTime { SeenAt = _clock.GetTimestamp() });
            }
        }
    }

    private long LowWatermark()
    {
        var activeSince = _clock.GetTimestamp() - (long)(IdlePartition.TotalSeconds * _clock.TimestampFrequency);
        var active = _partitions.Values.Where(p => p.SeenAt >= activeSince).Select(p => p.Minutes.Current).ToList();
        // Owning no partition (revoked while stopping), this node claims no progress; all idle, nothing holds back.
        var low = _partitions.Count == 0 ? long.MinValue
            : active.Count == 0 ? _partitions.Values.Max(p => p.Minutes.Current)
            : active.Min();
        // Event time never runs ahead of processing time (a mention may be dated up to the allowed skew ahead of it).
        return Math.Min(low, BrandMonitor.MinuteOf(_clock.GetUtcNow()));
    }

    /// <summary>How far one partition's event time has got, and when it last delivered (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    private sealed class PartitionTime
    {
        public RobustWatermark Minutes { get; } = new(PartitionQuorum, PartitionWindow);
        public long SeenAt { get; set; }
    }

    public bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _tallies.Count == 0;
            }
        }
    }

    /// <summary>
    /// Everything counted since the last drain but of the brands <paramref name="held"/> (they keep counting for a
    /// later drain): one report per brand, its minutes oldest first, with this node's name, low watermark and the
    /// report's number.
    /// </summary>
    public IReadOnlyList<ObserveBrandCounts> Drain(string node, Func<string, bool> held, Func<long> nextSequence)
    {
        List<KeyValuePair<(string Brand, long Minute), Tally>> drained;
        long watermark;
        lock (_gate)
        {
            drained = [.. _tallies.Where(entry => !held(entry.Key.Brand))];
            if (drained.Count == 0)
            {
                return [];
            }
            foreach (var (key, _) in drained)
            {
                _tallies.Remove(key);
            }
            watermark = LowWatermark();
        }
        return [.. drained
            .GroupBy(entry => entry.Key.Brand)
            .Select(brand => new ObserveBrandCounts(
                brand.Key,
                [.. brand.OrderBy(entry => entry.Key.Minute).Select(entry => entry.Value.ToCounts(brand.Key, entry.Key.Minute))],
                watermark,
                node,
                nextSequence()))];
    }

    private sealed class Tally
    {
        private readonly List<Evidence> _samples = [];
        private int _negative;
        private int _neutral;
        private int _positive;
        private DateTimeOffset _latest;

        public void Add(Mention mention, MentionObservation observation)
        {
            switch (observation.Class)
            {
                case SentimentClass.Negative:
                    _negative++;
                    if (_samples.Count < SamplesPerMinute)
                    {
                        _samples.Add(new Evidence(mention.Id, mention.Platform.ToWire(),
                            observation.MayQuote ? Excerpts.Make(mention.Text) : Excerpts.Withheld));
                    }
                    break;
                case SentimentClass.Positive:
                    _positive++;
                    break;
                case SentimentClass.Neutral:
                    _neutral++;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(observation), observation.Class, "unknown sentiment class");
            }
            if (mention.CreatedAt > _latest)
            {
                _latest = mention.CreatedAt;
            }
        }

        public BrandMinuteCounts ToCounts(string brand, long minute) =>
            new(brand, minute, _negative, _neutral, _positive) { Samples = _samples, LatestEventTime = _latest };
    }
}
