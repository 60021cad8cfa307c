using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Rules;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class CustomerStateTests(ITestOutputHelper output)
{
    private static readonly EngagementEngine Engine = new(new RulesOptions { Competitors = ["globex"] });
    private static readonly EntityId Id = EntityId.ForCustomer("acme", "C-1");

    private static readonly string[] Texts =
    [
        "Love the new app, great job acme!",
        "My internet is down again, this is unacceptable.",
        "Still waiting for a technician. Terrible service.",
        "ok thanks",
        "I'm going to cancel my subscription and switch to globex",
        "Where can I buy the new router?",
        "WORST. SUPPORT. EVER. 😡",
        "Actually the engineer fixed it, thank you so much!",
    ];

    private static List<(Mention, SourcePosition)> Sequence(int count, string customer = "C-1")
    {
        var list = new List<(Mention, SourcePosition)>();
        for (var i = 0; i < count; i++)
        {
            var m = TestMentions.Make(Texts[i % Texts.Length], customerId: customer, id: $"m{i}", followers: 150_000 * (i % 5 == 4 ? 1 : 0) + i,
                at: TestMentions.T0.AddHours(7 * i), shares: i % 7 == 6 ? 400 : 0);
            list.Add((m, new SourcePosition(i % 3 == 0 ? 2 : 1, 100 + i)));
        }
        return list;
    }

    private static List<string> ApplyAll(CustomerState state, IEnumerable<(Mention, SourcePosition)> mentions)
    {
        var signals = new List<DomainSignal>();
        foreach (var (m, p) in mentions)
        {
            Engine.Apply(state, m, p, signals);
        }
        return signals.Select(s => s.ToJsonString()).ToList();
    }

    [Fact]
    public void Restoring_from_the_snapshot_then_continuing_equals_never_stopping()
    {
        var all = Sequence(40);
        var uninterrupted = CustomerState.New(Id);
        Engine.ApplyProfile(uninterrupted, new CustomerProfile(ValueTier.Gold, 1200.5, "family", true));
        var expectedSignals = ApplyAll(uninterrupted, all);
        Assert.NotEmpty(expectedSignals);

        for (var cut = 1; cut < all.Count; cut += 7)
        {
            var first = CustomerState.New(Id);
            Engine.ApplyProfile(first, new CustomerProfile(ValueTier.Gold, 1200.5, "family", true));
            var signals = ApplyAll(first, all.Take(cut));
            var restored = CustomerState.FromSnapshot(Id, Stored(first.ToSnapshotFields()));
            Assert.Equal(first.ToSnapshotFields(), restored.ToSnapshotFields());
            // A restart replays from the last commit: the already-applied part again, then the rest.
            signals.AddRange(ApplyAll(restored, all));
            Assert.Equal(expectedSignals, signals);
            Assert.Equal(uninterrupted.ToSnapshotFields(), restored.ToSnapshotFields());
        }
    }

    [Fact]
    public void Snapshot_has_the_design_fields_in_invariant_round_trip_form()
    {
        var state = CustomerState.New(Id);
        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Platinum, 18250.5, null, true));
        ApplyAll(state, Sequence(5));
        var fields = Stored(state.ToSnapshotFields());
        foreach (var name in new[] { "mentions", "score", "level", "stage", "sentiment", "riskScore", "complaints", "lastMentionAt", "valueTier", "updatedAt", "wm:1", "wm:2" })
        {
            Assert.True(fields.ContainsKey(name), name);
        }
        Assert.Equal("5", fields["mentions"]);
        Assert.Equal("platinum", fields["valueTier"]);
        Assert.Equal("103", fields["wm:2"]);
        Assert.Equal("104", fields["wm:1"]);
        Assert.Equal("2026-11-24T14:00:00Z", fields["updatedAt"]);
        Assert.Equal(state.EngagementScore, double.Parse(fields["score"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(fields.Keys.Where(k => !k.StartsWith("wm:", StringComparison.Ordinal) && k.Contains(':')), k => Assert.StartsWith("x:", k));
    }

    /// <summary>The hash a store keeps: the fields as text, by name.</summary>
    private static Dictionary<string, string> Stored(IEnumerable<SnapshotField> fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    [Fact]
    public void Writing_only_the_changed_fields_keeps_the_stored_snapshot_whole()
    {
        var stored = new Dictionary<string, string>();
        int Write(CustomerState state, bool complete)
        {
            var changes = state.TakeUnwrittenChanges();
            Assert.Equal(complete, changes.Complete);
            foreach (var field in changes.Fields)
            {
                stored[field.Name] = field.Value;
            }
            // Whole: the stored hash restores exactly this state, and holds every documented field.
            Assert.Equal(Stored(state.ToSnapshotFields()), Stored(CustomerState.FromSnapshot(Id, stored).ToSnapshotFields()));
            Assert.All(DocumentedFields, name => Assert.Contains(name, stored.Keys));
            Assert.Empty(state.TakeUnwrittenChanges().Fields);
            return changes.Fields.Count;
        }

        var state = CustomerState.New(Id);
        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Gold, 1200.5, "family", true));
        Write(state, complete: true);
        var fieldCount = state.ToSnapshotFields().Count;
        var all = Sequence(40);
        var written = 0;
        for (var i = 0; i < all.Count; i++)
        {
            ApplyAll(state, all.Skip(i).Take(1));
            written += Write(state, complete: false);
            if (i == 20)
            {
                // A new incarnation goes on from the stored hash.
                state = CustomerState.FromSnapshot(Id, stored);
            }
        }
        output.WriteLine($"fields written per mention: {written / (double)all.Count:0.0} of {fieldCount}");
        Assert.True(written < all.Count * fieldCount / 2);

        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Silver, 10, null, ConsentProcessing: false));
        Write(state, complete: false);
        Engine.ApplyProfile(state, null);
        Write(state, complete: false);
    }

    [Fact]
    public void A_restored_snapshot_lacking_documented_fields_is_completed_by_the_next_write()
    {
        var state = CustomerState.New(Id);
        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Gold, 1200.5, "family", true));
        ApplyAll(state, Sequence(3));
        var full = Stored(state.ToSnapshotFields());
        var partial = full.Where(f => f.Key is not ("x:clv" or "stage")).ToDictionary();

        var restored = CustomerState.FromSnapshot(Id, partial);
        var changes = restored.TakeUnwrittenChanges();

        // An internal field the hash lacks is its default, as the hash says: only the documented one is written.
        Assert.False(changes.Complete);
        Assert.Equal(["stage"], changes.Fields.Select(f => f.Name));
        Assert.Equal("0", Stored(restored.ToSnapshotFields())["x:clv"]);
    }

    [Fact]
    public void A_new_authors_first_write_leaves_out_the_internal_fields_at_their_defaults_and_restores_the_same()
    {
        var prospect = CustomerState.New(EntityId.ForProspect("acme", Platform.X, "u1"));
        Engine.Apply(prospect, TestMentions.Make("Where can I buy the new router?"), new SourcePosition(3, 17), []);

        var changes = prospect.TakeUnwrittenChanges();
        var written = Stored(changes.Fields);

        output.WriteLine($"first write of a new author: {written.Count} of {prospect.ToSnapshotFields().Count} fields");
        Assert.True(changes.Complete);
        Assert.All(DocumentedFields, name => Assert.Contains(name, written.Keys));
        Assert.DoesNotContain("x:clv", written.Keys);
        Assert.DoesNotContain("x:consent", written.Keys);
        Assert.True(written.Count < prospect.ToSnapshotFields().Count / 2 + DocumentedFields.Length / 2,
            $"{written.Count} of {prospect.ToSnapshotFields().Count} fields written");
        Assert.Equal(Stored(prospect.ToSnapshotFields()), Stored(CustomerState.FromSnapshot(prospect.Id, written).ToSnapshotFields()));
    }

    [Fact]
    public void The_times_are_written_once_as_text_and_restore_to_the_tick()
    {
        var state = CustomerState.New(Id);
        // Fractions of every length, down to one tick (100 ns).
        var times = new[] { TestMentions.T0.AddTicks(1), TestMentions.T0.AddTicks(1_234_567), TestMentions.T0.AddSeconds(1).AddTicks(5_000_000) };
        var stored = new Dictionary<string, string>();
        for (var i = 0; i < times.Length; i++)
        {
            Engine.Apply(state, TestMentions.Make("ok thanks", customerId: "C-1", id: $"t{i}", at: times[i]), new SourcePosition(0, i), []);
            foreach (var field in state.TakeUnwrittenChanges().Fields)
            {
                stored[field.Name] = field.Value;
            }
            Assert.DoesNotContain("x:lastMentionTicks", stored.Keys);
            Assert.DoesNotContain("x:updatedTicks", stored.Keys);

            var restored = CustomerState.FromSnapshot(Id, stored);
            Assert.Equal(times[i].UtcTicks, restored.LastMentionAt!.Value.UtcTicks);
            Assert.Equal(times[i].UtcTicks, restored.UpdatedAt!.Value.UtcTicks);
            Assert.Equal(Stored(state.ToSnapshotFields()), Stored(restored.ToSnapshotFields()));
        }
    }

    [Fact]
    public void A_hash_that_holds_the_ticks_of_an_earlier_version_has_them_kept_current()
    {
        var state = CustomerState.New(Id);
        ApplyAll(state, Sequence(3));
        var stored = Stored(state.ToSnapshotFields());
        // As an earlier version wrote the hash: the times also as ticks, after the readable ones.
        stored["x:lastMentionTicks"] = state.LastMentionAt!.Value.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        stored["x:updatedTicks"] = state.UpdatedAt!.Value.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var restored = CustomerState.FromSnapshot(Id, stored);
        var later = TestMentions.T0.AddDays(30).AddTicks(42);
        Engine.Apply(restored, TestMentions.Make("ok thanks", customerId: "C-1", id: "later", at: later), new SourcePosition(1, 500), []);
        var changes = Stored(restored.TakeUnwrittenChanges().Fields);

        // Written beside the readable times, so that version, reading the ticks first, restores the current times.
        Assert.Equal(later.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), changes["x:lastMentionTicks"]);
        Assert.Equal(later.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), changes["x:updatedTicks"]);
        foreach (var (name, value) in changes)
        {
            stored[name] = value;
        }
        var again = CustomerState.FromSnapshot(Id, stored.OrderByDescending(f => f.Key.StartsWith("x:", StringComparison.Ordinal)));
        Assert.Equal(later, again.LastMentionAt);
        Assert.Equal(later, again.UpdatedAt);
    }

    /// <summary>The fields topology/redis-keys.md lists for every customer hash (the watermarks aside).</summary>
    private static readonly string[] DocumentedFields =
        ["mentions", "score", "level", "stage", "sentiment", "riskScore", "complaints", "lastMentionAt", "valueTier", "updatedAt"];

    [Fact]
    public void Leaderboard_scores_are_written_only_when_they_change()
    {
        var state = CustomerState.New(Id);
        Engine.Apply(state, TestMentions.Make("the router arrived", customerId: "C-1", id: "n0"), new SourcePosition(0, 0), []);
        var first = state.TakeUnwrittenChanges();
        Assert.True(first.Complete);
        Assert.Equal((null, null), (first.RiskScore, first.AdvocacyScore));

        Engine.Apply(state, TestMentions.Make("the router is here", customerId: "C-1", id: "n1", at: TestMentions.T0.AddMinutes(1)), new SourcePosition(0, 1), []);
        var unchanged = state.TakeUnwrittenChanges();
        Assert.Equal((null, null), (unchanged.RiskScore, unchanged.AdvocacyScore));

        Engine.Apply(state, TestMentions.Make("Love it, thank you so much!", customerId: "C-1", id: "p0", at: TestMentions.T0.AddMinutes(2)), new SourcePosition(0, 2), []);
        var advocate = state.TakeUnwrittenChanges();
        Assert.Null(advocate.RiskScore);
        Assert.Equal(state.AdvocacyScore, advocate.AdvocacyScore);
        Assert.True(state.AdvocacyScore > 0);

        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Gold, 10, null, ConsentProcessing: false));
        Assert.Equal(0.0, state.TakeUnwrittenChanges().AdvocacyScore);
        Assert.True(CustomerState.FromSnapshot(Id, Stored(state.ToSnapshotFields())).TakeUnwrittenChanges().AdvocacyScore is null);

        // A first write ranks a new author whose first mention already scores.
        var fan = CustomerState.New(Id);
        Engine.Apply(fan, TestMentions.Make("Love it, thank you so much!", customerId: "C-1", id: "p1"), new SourcePosition(0, 0), []);
        var ranked = fan.TakeUnwrittenChanges();
        Assert.True(fan.AdvocacyScore > 0);
        Assert.Equal((null, fan.AdvocacyScore), (ranked.RiskScore, ranked.AdvocacyScore));
    }

    [Fact]
    public void Watermark_skips_what_was_applied_and_counts_exactly()
    {
        var state = CustomerState.New(Id);
        var signals = new List<DomainSignal>();
        var m = TestMentions.Make("hello", customerId: "C-1");
        Assert.True(Engine.Apply(state, m, new SourcePosition(3, 10), signals));
        Assert.False(Engine.Apply(state, m with { Id = "m2" }, new SourcePosition(3, 10), signals));
        Assert.False(Engine.Apply(state, m with { Id = "m3" }, new SourcePosition(3, 9), signals));
        Assert.True(Engine.Apply(state, m with { Id = "m4" }, new SourcePosition(4, 9), signals));
        Assert.True(Engine.Apply(state, m with { Id = "m5" }, new SourcePosition(3, 11), signals));
        Assert.Equal(3, state.MentionsApplied);
        Assert.True(state.IsApplied(new SourcePosition(4, 0)));
        Assert.False(state.IsApplied(new SourcePosition(5, 0)));
        Assert.Equal([new(3, 11), new(4, 9)], state.Watermarks);
    }

    [Fact]
    public void Tombstone_forgets_the_customer_but_keeps_the_watermark()
    {
        var state = CustomerState.New(Id);
        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Gold, 10, "x", true));
        ApplyAll(state, Sequence(6));
        Engine.ApplyProfile(state, null);
        Assert.Equal(0, state.MentionsApplied);
        Assert.Equal(ValueTier.Unknown, state.ValueTier);
        Assert.Equal(0, state.RiskScore);
        Assert.Null(state.LastMentionAt);
        Assert.True(state.IsApplied(new SourcePosition(1, 104)));
    }

    [Fact]
    public void What_stays_of_an_erased_customer_is_its_watermarks_and_a_write_after_it_is_whole_but_them()
    {
        var state = CustomerState.New(Id);
        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Gold, 10, "x", true));
        var mentions = Sequence(6);
        ApplyAll(state, mentions);
        _ = state.TakeUnwrittenChanges();

        var erased = CustomerState.WatermarksOf(state);

        Assert.Equal(state.Watermarks, erased.Watermarks);
        Assert.All(mentions, m => Assert.False(Engine.Apply(erased, m.Item1, m.Item2, [])));
        Assert.Equal(0, erased.MentionsApplied);
        Assert.Equal(ValueTier.Unknown, erased.ValueTier);
        Assert.Null(erased.Segment);
        // The marker holds the watermarks: the first write after the erasure brings every other field, on top of nothing.
        var changes = erased.TakeUnwrittenChanges();
        Assert.False(changes.Complete);
        Assert.DoesNotContain(changes.Fields, f => f.Name.StartsWith(CustomerState.WatermarkPrefix, StringComparison.Ordinal));
        Assert.Equal(CustomerState.New(Id).ToSnapshotFields().Count(f => !f.Name.StartsWith(CustomerState.WatermarkPrefix, StringComparison.Ordinal)), changes.Fields.Count);
    }

    [Fact]
    public void Without_consent_mentions_are_only_counted()
    {
        var state = CustomerState.New(Id);
        var signals = new List<DomainSignal>();
        Engine.Apply(state, TestMentions.Make("Terrible service again, unacceptable.", customerId: "C-1", id: "c0"), new SourcePosition(0, 0), signals);
        Assert.True(state.ComplaintsInWindow > 0);
        Engine.ApplyProfile(state, new CustomerProfile(ValueTier.Platinum, 5000, null, ConsentProcessing: false));
        Assert.Equal(0, state.ComplaintsInWindow);
        Assert.Equal(0, state.Sentiment);

        var texts = new[] { "Terrible service again.", "Still broken, unacceptable.", "Refund now, worst company.", "I'm going to cancel my subscription" };
        for (var i = 0; i < texts.Length; i++)
        {
            Engine.Apply(state, TestMentions.Make(texts[i], customerId: "C-1", id: $"c{i + 1}", at: TestMentions.T0.AddHours(i + 1)), new SourcePosition(0, i + 1), signals);
        }
        var influencer = TestMentions.Make("This company is a disgusting scam, avoid!", customerId: "C-1", id: "c9", followers: 500_000, at: TestMentions.T0.AddHours(9));
        Engine.Apply(state, influencer, new SourcePosition(0, 9), signals);
        Assert.Empty(signals);
        Assert.Equal(6, state.MentionsApplied);
        Assert.Equal(0, state.RiskScore);
        Assert.Equal(0, state.ComplaintsInWindow);
        Assert.Equal(0, state.MaxFollowers);
        Assert.Equal(TestMentions.T0.AddHours(9), state.LastMentionAt);
        Assert.True(state.EngagementScore > 5);

        // The brand still counts the mention, without its text.
        var monitor = new Detection.BrandMonitor(new RulesOptions { BrandMonitor = { MaxSamples = 1 } });
        monitor.Observe(influencer, Engine.Analyze(influencer), signals, withText: state.ConsentProcessing);
        var exported = System.Text.Encoding.UTF8.GetString(monitor.ExportState());
        Assert.Contains("\"negative\":1", exported);
        Assert.Contains(Excerpts.Withheld, exported);
        Assert.DoesNotContain("scam", exported);
    }

    [Fact]
    public void Restoring_a_quiet_customer_makes_no_rare_event_times()
    {
        var state = CustomerState.New(Id);
        ApplyAll(state, Sequence(4).Where((_, i) => i is 0 or 3));
        var snapshot = Stored(state.ToSnapshotFields());
        Assert.Equal("", snapshot["x:complaintTimes"]);
        var withoutRareEvents = snapshot
            .Where(f => f.Key is not ("x:complaintTimes" or "x:abusiveTimes") && !f.Key.StartsWith("x:cd:", StringComparison.Ordinal))
            .ToDictionary();

        // Empty windows and unset cool-downs restore to nothing: as if they had not been stored.
        Assert.Equal(AllocatedToRestore(withoutRareEvents), AllocatedToRestore(snapshot), tolerance: 16);
    }

    /// <summary>Mean bytes allocated by a <see cref="CustomerState.FromSnapshot"/> of the fields.</summary>
    private static double AllocatedToRestore(Dictionary<string, string> fields)
    {
        const int n = 200;
        CustomerState.FromSnapshot(Id, fields);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < n; i++)
        {
            CustomerState.FromSnapshot(Id, fields);
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)n;
    }

    [Fact]
    public void State_is_compact()
    {
        const int n = 20_000;
        var ids = Enumerable.Range(0, n).Select(i => EntityId.ForCustomer("acme", $"C-{i:D7}")).ToArray();
        var states = new CustomerState[n];
        var mention = TestMentions.Make("Love it, thanks!", customerId: "C-1");
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < n; i++)
        {
            states[i] = CustomerState.New(ids[i]);
        }
        var perState = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)n;
        var idBytes = 22 + 2 * ids[0].Value.Length + 8;
        output.WriteLine($"CustomerState object: {perState:0} bytes; with its entity id string (~{idBytes} bytes): {perState + idBytes:0} bytes");
        // A quiet customer's state holds no complaint, abusive or cool-down times (they are made on first use); the keys
        // of its last 8 mentions (to pass over one delivered again) are 64 of these bytes.
        Assert.True(perState < 256, $"{perState} bytes per state");

        // Applying a quiet mention from the same partition allocates nothing inside the state.
        var signals = new List<DomainSignal>();
        Engine.Apply(states[0], mention, new SourcePosition(0, 1), signals);
        var analysis = Engine.Analyze(mention);
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < 1000; i++)
        {
            Engine.Apply(states[i], mention, new SourcePosition(0, i), analysis, signals);
        }
        var perApply = (GC.GetAllocatedBytesForCurrentThread() - before) / 999.0;
        output.WriteLine($"state update (pre-analysed mention): {perApply:0.0} bytes allocated");
        Assert.True(perApply < 16, $"{perApply} bytes per apply");
        GC.KeepAlive(states);
    }
}
