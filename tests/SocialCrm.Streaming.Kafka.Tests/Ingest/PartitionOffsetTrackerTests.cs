using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Kafka.Tests.Ingest;

public sealed class PartitionOffsetTrackerTests
{
    [Fact]
    public void Commits_only_up_to_the_first_record_not_done()
    {
        var tracker = new PartitionOffsetTracker();
        foreach (var offset in new long[] { 10, 11, 12, 13 }) tracker.HandedOut(offset);

        tracker.Done(11);
        tracker.Done(13);
        Assert.False(tracker.TryTakeCommit(out _));

        tracker.Done(10);
        Assert.True(tracker.TryTakeCommit(out var next));
        Assert.Equal(12, next);
        Assert.Equal(1, tracker.InFlight);

        tracker.Done(12);
        Assert.True(tracker.TryTakeCommit(out next));
        Assert.Equal(14, next);
        Assert.Equal(0, tracker.InFlight);
        Assert.False(tracker.TryTakeCommit(out _));
    }

    [Fact]
    public void Offsets_with_gaps_are_contiguous_when_every_record_handed_out_is_done()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.HandedOut(5);
        tracker.HandedOut(9);
        tracker.Done(9);
        tracker.Done(5);
        Assert.True(tracker.TryTakeCommit(out var next));
        Assert.Equal(10, next);
    }

    [Fact]
    public void A_failed_commit_is_offered_again()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.HandedOut(0);
        tracker.Done(0);
        Assert.True(tracker.TryTakeCommit(out var next));
        tracker.CommitFailed(next);
        Assert.True(tracker.TryTakeCommit(out var again));
        Assert.Equal(next, again);
    }

    [Fact]
    public void A_record_of_an_earlier_assignment_finishing_late_changes_nothing()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.HandedOut(100);
        tracker.Done(42);
        Assert.Equal(1, tracker.InFlight);
        Assert.False(tracker.TryTakeCommit(out _));
    }

    [Fact]
    public void The_end_of_the_log_is_committed_once_everything_handed_out_is_done()
    {
        var tracker = new PartitionOffsetTracker();
        Assert.Equal(-1, tracker.NextOffset);
        tracker.HandedOut(10);
        // Offsets 11..14 hold no record to hand out (deleted before they were read, a transaction marker).
        tracker.ReachedEnd(15);
        Assert.Equal(15, tracker.NextOffset);
        Assert.False(tracker.TryTakeCommit(out _));

        tracker.Done(10);
        Assert.True(tracker.TryTakeCommit(out var next));
        Assert.Equal(15, next);
        Assert.False(tracker.TryTakeCommit(out _));
    }

    [Fact]
    public void An_end_of_the_log_with_nothing_handed_out_is_committed()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.ReachedEnd(116);
        Assert.True(tracker.TryTakeCommit(out var next));
        Assert.Equal(116, next);
    }

    [Fact]
    public void Records_after_the_end_was_reached_are_committed_as_they_finish()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.ReachedEnd(5);
        tracker.HandedOut(5);
        tracker.HandedOut(6);
        Assert.Equal(7, tracker.NextOffset);
        tracker.Done(6);
        Assert.False(tracker.TryTakeCommit(out _));
        tracker.Done(5);
        Assert.True(tracker.TryTakeCommit(out var next));
        Assert.Equal(7, next);
    }
}
