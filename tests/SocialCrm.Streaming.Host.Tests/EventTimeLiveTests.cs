using System.Text;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>Live, "now" is the wall clock: a mention from beyond it is dead-lettered, and brand watermarks never pass it.</summary>
public sealed class EventTimeLiveTests
{
    private static readonly TimeSpan Skew = PipelineOptions.DefaultMaxEventTimeSkew;

    private static ConsumedRecord Record(DateTimeOffset createdAt) => new("social.mentions", new SourcePosition(0, 0), null,
        Encoding.UTF8.GetBytes($$"""{"id":"m1","platform":"x","brand":"acme","author":{"id":"a1"},"text":"hi","createdAt":"{{createdAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}}"}"""),
        null, DateTimeOffset.UtcNow);

    [Fact]
    public void A_mention_beyond_the_wall_clock_plus_the_skew_is_rejected_and_old_ones_are_valid()
    {
        var now = DateTimeOffset.UtcNow;
        var future = MentionPipeline.Parse(Record(now + Skew + TimeSpan.FromMinutes(1)), Skew);
        Assert.Equal(RejectReason.EventTimeOutOfRange, future.Rejection!.Reason);
        Assert.True(MentionPipeline.Parse(Record(now + Skew - TimeSpan.FromMinutes(1)), Skew).IsValid);
        Assert.True(MentionPipeline.Parse(Record(now.AddYears(-1)), Skew).IsValid);
        Assert.True(MentionPipeline.Parse(Record(EventTime.Earliest), Skew).IsValid);
    }

    /// <summary>A clock the test moves: the aggregator reads time only through <see cref="TimeProvider"/>.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;

        public override long GetTimestamp() => Now.UtcTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    private static Mention At(DateTimeOffset createdAt, int i) => new()
    {
        Id = $"m{i}",
        Platform = Platform.X,
        Brand = "acme",
        Author = new Author("a"),
        Text = "hi",
        CreatedAt = createdAt,
    };

    private static long Watermark(BrandVolumeAggregator volume) =>
        Assert.Single(volume.Drain("node", _ => false, () => 1)).Watermark;

    [Fact]
    public void A_partition_watermark_follows_the_bulk_and_never_passes_the_wall_clock()
    {
        var t0 = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(t0.AddMinutes(30));
        var volume = new BrandVolumeAggregator(clock);
        volume.Track([0]);
        var neutral = new MentionObservation(SentimentClass.Neutral, MayQuote: true);
        for (var i = 0; i < 20; i++)
        {
            volume.Add(At(t0.AddSeconds(i), i), neutral, 0);
        }
        // One far ahead (within the contract, as a replayed stream may hold): the watermark stays with the bulk.
        volume.Add(At(t0.AddYears(3), 99), neutral, 0);
        Assert.Equal(BrandMonitor.MinuteOf(t0), Watermark(volume));

        // The bulk itself ahead of the clock (a skewed producer): the watermark waits for the clock.
        for (var i = 0; i < 5; i++)
        {
            volume.Add(At(t0.AddMinutes(40), 100 + i), neutral, 0);
        }
        Assert.Equal(BrandMonitor.MinuteOf(clock.Now), Watermark(volume));
        clock.Now = t0.AddHours(1);
        volume.Add(At(t0.AddMinutes(40), 200), neutral, 0);
        Assert.Equal(BrandMonitor.MinuteOf(t0.AddMinutes(40)), Watermark(volume));
    }

    /// <summary>Found in the cluster test: a revoked partition's last record, finishing after the revocation, held a node's watermark back.</summary>
    [Fact]
    public void A_record_of_a_revoked_partition_does_not_hold_the_watermark_back()
    {
        var t0 = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var volume = new BrandVolumeAggregator(new ManualClock(t0.AddHours(1)));
        volume.Track([0, 1]);
        var neutral = new MentionObservation(SentimentClass.Neutral, MayQuote: true);
        for (var i = 0; i < 5; i++)
        {
            volume.Add(At(t0.AddMinutes(i), i), neutral, 0);
            volume.Add(At(t0.AddMinutes(i), 10 + i), neutral, 1);
        }
        volume.Track([0]);
        volume.Add(At(t0, 20), neutral, 1);
        for (var i = 5; i < 10; i++)
        {
            volume.Add(At(t0.AddMinutes(i), 30 + i), neutral, 0);
        }
        Assert.Equal(BrandMonitor.MinuteOf(t0.AddMinutes(8)), Watermark(volume));
    }
}
