using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.CareConsole.Kpis;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>KPIs from a scripted sequence of case work at known times: every figure is worked out by hand.</summary>
public sealed class CaseKpisTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset From = T0;
    private static readonly DateTimeOffset To = T0.AddHours(6);

    [Fact]
    public void Figures_of_a_scripted_shift_are_the_expected_ones()
    {
        // Four P1 alerts, two P2 alerts, three retention triggers, one alert before the period (left out).
        var a1 = Alert("crs-0000000000000001", "P1", T0);
        var a2 = Alert("crs-0000000000000002", "P1", T0.AddMinutes(10));
        var a3 = Alert("crs-0000000000000003", "P1", T0.AddMinutes(20));
        var a4 = Alert("crs-0000000000000004", "P1", T0.AddMinutes(30));
        var b1 = Alert("crs-0000000000000005", "P2", T0.AddHours(1));
        var b2 = Alert("crs-0000000000000006", "P2", T0.AddHours(5.5));
        var r1 = Retention("trg-0000000000000001", "P1", "platinum", T0.AddHours(2));
        var r2 = Retention("trg-0000000000000002", "P2", "gold", T0.AddHours(2));
        var r3 = Retention("trg-0000000000000003", "P3", "silver", T0.AddHours(2));
        var before = Alert("crs-0000000000000009", "P1", T0.AddMinutes(-1));

        var script = new Script();
        // a1: claimed after 60 s, resolved (responded) after 600 s.
        script.Do(a1, CaseAction.Claim, 60).Do(a1, CaseAction.Resolve, 600, CaseOutcome.Responded);
        // a2: claimed after 120 s, noted, resolved (escalated) after 1,200 s.
        script.Do(a2, CaseAction.Claim, 120).Do(a2, CaseAction.Note, 300).Do(a2, CaseAction.Resolve, 1_200, CaseOutcome.Escalated);
        // a3: first touched by an assignment after 180 s, still open (claimed) at the end: age 6 h - 20 min.
        script.Do(a3, CaseAction.Assign, 180);
        // a4: resolved after 240 s, reopened, so open again; its first resolution still counts for time to resolution.
        script.Do(a4, CaseAction.Claim, 30).Do(a4, CaseAction.Resolve, 240, CaseOutcome.NoActionNeeded).Do(a4, CaseAction.Reopen, 900);
        // b1: claimed after 3,600 s and resolved after 7,200 s.
        script.Do(b1, CaseAction.Claim, 3_600).Do(b1, CaseAction.Resolve, 7_200, CaseOutcome.Responded);
        // b2: nobody touched it: open, 30 minutes old at the end.
        // r1 retained, r2 claimed, r3 never worked.
        script.Do(r1, CaseAction.Claim, 600).Do(r1, CaseAction.Resolve, 1_800, CaseOutcome.Retained);
        script.Do(r2, CaseAction.Claim, 900);
        // A change after the period's end is not counted.
        script.Do(r3, CaseAction.Claim, 5 * 3_600);
        script.Do(before, CaseAction.Claim, 10);

        var report = CaseKpis.Compute([a1, a2, a3, a4, b1, b2, r1, r2, r3, before], script.Trails, From, To);

        Assert.Equal(9, report.Signals);
        // P1 first actions: 60, 120, 180, 30 (a1..a4) and 600 (r1): sorted 30, 60, 120, 180, 600.
        // Median 120; p90 at rank 0.9 * 4 = 3.6: 180 + 0.6 * (600 - 180) = 432.
        Assert.Equal(new DurationStats(5, 120, 432), report.TimeToFirstAction["P1"]);
        // P2: 3,600 (b1) and 900 (r2): median 2,250; p90 at rank 0.9: 900 + 0.9 * 2,700 = 3,330.
        Assert.Equal(new DurationStats(2, 2_250, 3_330), report.TimeToFirstAction["P2"]);
        // r3's claim came after the period: no P3 figure.
        Assert.False(report.TimeToFirstAction.ContainsKey("P3"));
        // P1 resolutions: 600, 1,200, 240, 1,800: sorted 240, 600, 1,200, 1,800; median 900; p90 at 2.7: 1,200 + 0.7 * 600 = 1,620.
        Assert.Equal(new DurationStats(4, 900, 1_620), report.TimeToResolution["P1"]);
        Assert.Equal(new DurationStats(1, 7_200, 7_200), report.TimeToResolution["P2"]);
        // Open at the end: a3 (5 h 40 min), a4 (reopened, 5 h 30 min), b2 (30 min), r2 and r3 (4 h).
        Assert.Equal(new Dictionary<string, int> { ["under 1h"] = 1, ["1h-4h"] = 0, ["4h-24h"] = 4, ["over 24h"] = 0 }, report.OpenByAge);
        Assert.Equal(
            new Dictionary<string, int> { ["responded"] = 2, ["escalated"] = 1, ["retained"] = 1, ["churned"] = 0, ["no-action-needed"] = 0 },
            report.ResolvedByOutcome);
        Assert.Equal(3, report.RetentionTriggers);
        Assert.Equal(new Dictionary<string, int> { ["gold"] = 1, ["platinum"] = 1 }, report.RetentionWorked);
    }

    [Fact]
    public void Percentiles_interpolate_between_the_nearest_ranks()
    {
        Assert.Equal(2.5, CaseKpis.Percentile([1, 2, 3, 4], 0.5));
        Assert.Equal(46, CaseKpis.Percentile([10, 20, 30, 40, 50], 0.9));
        Assert.Equal(7, CaseKpis.Percentile([7], 0.9));
    }

    private static CaseSubject Alert(string id, string priority, DateTimeOffset detectedAt) => new("acme", id, "crisis", priority, detectedAt, null);

    private static CaseSubject Retention(string id, string priority, string tier, DateTimeOffset detectedAt) => new("acme", id, "retention", priority, detectedAt, tier);

    /// <summary>Plays commands through <see cref="CaseRules"/>, so the trail is what the console would have stored.</summary>
    private sealed class Script
    {
        private readonly Dictionary<string, List<CaseEvent>> _trails = [];

        public IReadOnlyDictionary<string, IReadOnlyList<CaseEvent>> Trails => _trails.ToDictionary(t => t.Key, t => (IReadOnlyList<CaseEvent>)t.Value);

        public Script Do(CaseSubject subject, CaseAction action, double secondsAfterDetection, CaseOutcome? outcome = null)
        {
            if (!_trails.TryGetValue(subject.SignalId, out var trail))
            {
                _trails[subject.SignalId] = trail = [];
            }
            var current = trail.Count == 0 ? CaseSnapshot.Untouched(subject) : CaseSnapshot.After(trail[^1]);
            var command = new CaseCommand(action, "ana", Assignee: action == CaseAction.Assign ? "ben" : null, Note: action == CaseAction.Note ? "called back" : null, Outcome: outcome);
            var decision = CaseRules.Decide(current, command, subject.DetectedAt.AddSeconds(secondsAfterDetection));
            trail.Add(decision.Event ?? throw new InvalidOperationException(decision.Refusal));
            return this;
        }
    }
}
