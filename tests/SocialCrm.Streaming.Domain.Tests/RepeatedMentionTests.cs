using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Tests;

/// <summary>
/// A mention delivered again at another offset (a source that resends, a producer retrying without idempotence, a
/// post resent because its engagement grew) is the same mention: counted once, its grown share count still seen.
/// </summary>
public sealed class RepeatedMentionTests
{
    private static readonly EngagementEngine Engine = new(new RulesOptions { Competitors = ["globex"] });
    private static readonly EntityId Id = EntityId.ForCustomer("acme", "C-1");

    private static Mention Complaint(string id = "p1", Platform platform = Platform.X) =>
        TestMentions.Make("My internet is down again, this is unacceptable.", customerId: "C-1", id: id, platform: platform);

    [Fact]
    public void A_mention_delivered_again_is_counted_once_and_its_position_is_marked_applied()
    {
        var state = CustomerState.New(Id);
        var signals = new List<DomainSignal>();
        Assert.True(Engine.Apply(state, Complaint(), new SourcePosition(0, 10), signals, out _, out var firstIsRepeat));
        Assert.False(firstIsRepeat);
        var once = Snapshot(state);

        for (var offset = 11; offset < 14; offset++)
        {
            Assert.False(Engine.Apply(state, Complaint(), new SourcePosition(offset % 2, offset), signals, out var analysis, out var repeat));
            Assert.True(repeat);
            Assert.Null(analysis);
        }

        Assert.Equal(1, state.MentionsApplied);
        Assert.Equal(1, state.ComplaintsInWindow);
        Assert.Equal(once.Where(f => !IsBookkeeping(f.Key)), Snapshot(state).Where(f => !IsBookkeeping(f.Key)));
        Assert.True(state.IsApplied(new SourcePosition(1, 13)));
        Assert.Equal([new(0, 12), new(1, 13)], state.Watermarks);
        // Applied already by its position now: not told a repeat again.
        Assert.False(Engine.Apply(state, Complaint(), new SourcePosition(1, 13), signals, out _, out var replayed));
        Assert.False(replayed);
    }

    [Fact]
    public void The_same_id_on_another_platform_or_another_id_is_another_mention()
    {
        var state = CustomerState.New(Id);
        Engine.Apply(state, Complaint("p1", Platform.X), new SourcePosition(0, 1), []);
        Engine.Apply(state, Complaint("p1", Platform.Facebook), new SourcePosition(0, 2), []);
        Engine.Apply(state, Complaint("p2", Platform.X), new SourcePosition(0, 3), []);
        Engine.Apply(state, Complaint("P1", Platform.X), new SourcePosition(0, 4), []);
        Assert.Equal(4, state.MentionsApplied);
    }

    [Fact]
    public void A_complaint_resent_three_times_raises_no_repeated_complaints_trigger()
    {
        var state = CustomerState.New(Id);
        var signals = new List<DomainSignal>();
        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Gold, 5_000, "retail", true));
        for (var offset = 0; offset < 3; offset++)
        {
            Engine.Apply(state, Complaint(), new SourcePosition(0, offset), signals);
        }
        Assert.DoesNotContain(RiskReasons.RepeatedComplaints.ToWire()[0], state.RiskReasons.ToWire());

        var three = CustomerState.New(Id);
        Engine.ApplyProfile(three, new CustomerProfile(ValueTier.Gold, 5_000, "retail", true));
        for (var offset = 0; offset < 3; offset++)
        {
            Engine.Apply(three, Complaint($"p{offset}"), new SourcePosition(0, offset), []);
        }
        Assert.Contains(RiskReasons.RepeatedComplaints.ToWire()[0], three.RiskReasons.ToWire());
    }

    [Fact]
    public void The_last_eight_mentions_are_remembered_through_a_snapshot_and_a_ninth_pushes_the_first_out()
    {
        var state = CustomerState.New(Id);
        for (var i = 0; i < 8; i++)
        {
            Engine.Apply(state, Complaint($"p{i}"), new SourcePosition(0, i), []);
        }
        var restored = CustomerState.FromSnapshot(Id, Snapshot(state));
        for (var i = 0; i < 8; i++)
        {
            Assert.False(Engine.Apply(restored, Complaint($"p{i}"), new SourcePosition(0, 100 + i), [], out _, out var repeat));
            Assert.True(repeat);
        }
        Assert.True(Engine.Apply(restored, Complaint("p8"), new SourcePosition(0, 200), []));
        var again = CustomerState.FromSnapshot(Id, Snapshot(restored));
        Assert.True(Engine.Apply(again, Complaint("p0"), new SourcePosition(0, 201), []));
        // p0 pushed p1 out in turn; p2 is still among the last eight.
        Assert.False(Engine.Apply(again, Complaint("p2"), new SourcePosition(0, 202), []));
        Assert.Equal(10, again.MentionsApplied);
    }

    [Fact]
    public void A_tombstone_forgets_the_last_mentions_and_a_write_after_it_clears_them()
    {
        var state = CustomerState.New(Id);
        Engine.Apply(state, Complaint(), new SourcePosition(0, 1), []);
        _ = state.TakeUnwrittenChanges();
        Engine.ApplyProfile(state, null);

        var written = state.TakeUnwrittenChanges().Fields.Where(f => f.Name.StartsWith("x:rm:", StringComparison.Ordinal)).ToList();
        Assert.Equal(8, written.Count);
        Assert.All(written, slot => Assert.Equal(0, slot.Integer));
        Assert.True(Engine.Apply(state, Complaint(), new SourcePosition(0, 2), []));
        Assert.Equal(1, state.MentionsApplied);
    }

    [Fact]
    public void Each_write_stores_the_one_slot_the_mention_took_as_an_integer_and_a_slot_not_a_number_is_malformed()
    {
        var state = CustomerState.New(Id);
        Engine.Apply(state, Complaint("p0"), new SourcePosition(0, 1), []);
        _ = state.TakeUnwrittenChanges();
        Engine.Apply(state, Complaint("p1"), new SourcePosition(0, 2), []);
        var slot = Assert.Single(state.TakeUnwrittenChanges().Fields, f => f.Name.StartsWith("x:rm:", StringComparison.Ordinal));
        Assert.Equal(("x:rm:1", null), (slot.Name, slot.Text));
        Assert.NotEqual(0, slot.Integer);

        Assert.Throws<FormatException>(() => CustomerState.FromSnapshot(Id, [new("mentions", "1"), new("x:rm:0", "abc")]));
    }

    [Fact]
    public void Replay_counts_a_repeat_once_as_the_live_entities_do()
    {
        var replay = new ReplayEngine(ReplayTests.Rules());
        var output = new List<DomainSignal>();
        Assert.True(replay.Process(Complaint(), new SourcePosition(0, 1), output));
        Assert.False(replay.Process(Complaint(), new SourcePosition(0, 2), output));
        Assert.Equal((1, 1), (replay.MentionsApplied, replay.MentionsSkipped));
        Assert.Equal(1, replay.Find(Id)!.MentionsApplied);
    }

    private static Dictionary<string, string> Snapshot(CustomerState state) =>
        state.ToSnapshotFields().ToDictionary(f => f.Name, f => f.Value);

    private static bool IsBookkeeping(string field) =>
        field.StartsWith(CustomerState.WatermarkPrefix, StringComparison.Ordinal) || field.StartsWith("x:rm:", StringComparison.Ordinal);
}
