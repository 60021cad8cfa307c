using System.Text;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Domain.Tests;

/// <summary>
/// Event time is untrusted: the instance was a replay of a brand crisis that raised both brand alerts, and raised
/// none once one mention dated years ahead was added (it closed every minute of every brand).
/// </summary>
public sealed class EventTimeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    [Fact]
    public void A_mention_beyond_now_plus_the_skew_is_out_of_range_and_one_within_it_is_not()
    {
        var now = TestMentions.T0;
        Assert.Null(EventTime.CheckNotAhead(now + Skew, now, Skew));
        Assert.Null(EventTime.CheckNotAhead(now.AddYears(-1), now, Skew));
        var rejection = EventTime.CheckNotAhead(now + Skew + TimeSpan.FromTicks(1), now, Skew);
        Assert.Equal(RejectReason.EventTimeOutOfRange, rejection!.Reason);
        Assert.Equal("event-time-out-of-range", rejection.Reason.ToWire());
        // Any instants, however extreme, compare without overflow.
        Assert.Null(EventTime.CheckNotAhead(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, TimeSpan.MaxValue));
        Assert.NotNull(EventTime.CheckNotAhead(DateTimeOffset.MaxValue, DateTimeOffset.MinValue, Skew));
    }

    [Fact]
    public void A_robust_watermark_follows_the_bulk_not_the_outliers()
    {
        var watermark = new RobustWatermark(quorum: 3, window: 16);
        foreach (var minute in new long[] { 0, 9_999_999, 1 })
        {
            watermark.Observe(minute);
        }
        Assert.False(watermark.IsEstablished);
        watermark.Observe(-5_000_000);
        watermark.Observe(2);
        // The median of the first five: neither the far future nor the far past.
        Assert.Equal(1, watermark.Current);
        for (var minute = 3L; minute < 40; minute++)
        {
            watermark.Observe(minute);
            watermark.Observe(minute);
            if (minute % 10 == 0)
            {
                // Two far ahead in a row: still fewer than the quorum.
                watermark.Observe(8_888_888);
                watermark.Observe(8_888_888);
            }
            watermark.Observe(minute);
            Assert.Equal(minute, watermark.Current);
        }
        // It never goes back, and it continues the same from a saved window.
        watermark.Observe(0);
        Assert.Equal(39, watermark.Current);
        var restored = new RobustWatermark(3, 16);
        restored.Restore(watermark.Recent, watermark.Current);
        Assert.Equal(watermark.Recent, restored.Recent);
        foreach (var w in new[] { watermark, restored })
        {
            w.Observe(45);
            w.Observe(45);
            w.Observe(45);
        }
        Assert.Equal(45, restored.Current);
        Assert.Equal(watermark.Current, restored.Current);
    }

    /// <summary>Hostile event times among the crisis file of <see cref="ReplayTests"/>: far future, near future, year 9999, epoch 0, far past.</summary>
    private static string[] WithHostileTimes(string[] lines)
    {
        string[] hostile = ["2031-06-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "2001-01-01T00:00:00Z", "+1h"];
        var result = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            result.Add(lines[i]);
            if (i % 97 == 50)
            {
                var n = result.Count;
                var time = hostile[n % hostile.Length];
                if (time == "+1h")
                {
                    var current = MentionParser.Parse(Encoding.UTF8.GetBytes(lines[i])).Mention!.CreatedAt;
                    time = current.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ");
                }
                // A fresh prospect with a neutral text: the only thing hostile about it is its time.
                result.Add($$"""{"id":"h{{n}}","platform":"x","brand":"{{(n % 2 == 0 ? "acme" : "globex")}}","author":{"id":"hostile-{{n}}"},"text":"just got the acme update","createdAt":"{{time}}"}""");
            }
        }
        return [.. result];
    }

    /// <summary>
    /// What <c>socialcrm replay</c> does: parse, judge event time against the stream's own, process. A line's position
    /// counts only the file's own lines, not the inserted hostile ones (ids "h..."), so that both runs number alike.
    /// </summary>
    private static (List<DomainSignal> Signals, List<string> Rejected, ReplayEngine Engine) Replay(string[] lines, bool gate = true)
    {
        var positions = new long[lines.Length];
        for (long line = 0, own = 0; line < lines.Length; line++)
        {
            positions[line] = lines[line].Contains("\"id\":\"h", StringComparison.Ordinal) ? own : own++;
        }
        var engine = new ReplayEngine(ReplayTests.Rules());
        var signals = new List<DomainSignal>();
        var rejected = new List<string>();
        var timeGate = new ReplayEventTimeGate<(int Line, Mention Mention)>(Skew);
        var judged = new List<((int Line, Mention Mention) Item, Rejection? Rejection)>();
        void Process()
        {
            foreach (var ((line, mention), rejection) in judged)
            {
                if (rejection is null)
                {
                    engine.Process(mention, new SourcePosition(0, positions[line]), signals);
                }
                else
                {
                    rejected.Add(mention.Id);
                }
            }
            judged.Clear();
        }
        for (var line = 0; line < lines.Length; line++)
        {
            var outcome = MentionParser.Parse(Encoding.UTF8.GetBytes(lines[line]));
            if (outcome.Mention is not { } mention)
            {
                rejected.Add($"line {line}: {outcome.Rejection}");
            }
            else if (gate)
            {
                timeGate.Add((line, mention), mention.CreatedAt, judged);
                Process();
            }
            else
            {
                engine.Process(mention, new SourcePosition(0, positions[line]), signals);
            }
        }
        timeGate.Complete(judged);
        Process();
        engine.Finish(signals);
        return (signals, rejected, engine);
    }

    private static List<string> BrandAlerts(IEnumerable<DomainSignal> signals) =>
        [.. signals.OfType<CrisisAlert>().Where(a => a.EntityId is null).Select(a => a.Id)];

    [Fact]
    public void A_crisis_with_hostile_timestamps_mixed_in_raises_the_same_alerts_in_a_replay()
    {
        var clean = ReplayTests.MentionsFile();
        var hostile = WithHostileTimes(clean);
        var expected = Replay(clean);
        var actual = Replay(hostile);
        output.WriteLine($"{hostile.Length - clean.Length} hostile lines; rejected: {string.Join(", ", actual.Rejected.Take(8))} ...");
        foreach (var alert in expected.Signals.OfType<CrisisAlert>().Where(a => a.EntityId is null))
        {
            output.WriteLine(alert.ToJsonString());
        }

        Assert.Empty(expected.Rejected);
        // Both brands' crises: acme's and globex's volume spikes, and acme's sentiment shift (87 % negative, usually 49 %).
        Assert.Equal(3, BrandAlerts(expected.Signals).Count);
        Assert.Equal(expected.Signals.Select(s => s.ToJsonString()), actual.Signals.Select(s => s.ToJsonString()));
        // The future ones are reported (year 9999 by the parser, the others by the stream's time); the past ones count.
        var hostileIds = hostile.Except(clean).Select(l => MentionParser.Parse(Encoding.UTF8.GetBytes(l))).ToList();
        Assert.Equal(hostileIds.Count(o => o.Rejection?.Reason == RejectReason.EventTimeOutOfRange), actual.Rejected.Count(r => r.Contains("event-time-out-of-range")));
        Assert.Equal(clean.Length + hostile.Length - clean.Length - actual.Rejected.Count, actual.Engine.MentionsApplied);
    }

    [Fact]
    public void A_few_mentions_far_ahead_do_not_close_the_brands_minutes_even_without_the_gate()
    {
        var clean = ReplayTests.MentionsFile();
        var expected = BrandAlerts(Replay(clean, gate: false).Signals);
        var far = """{"id":"future","platform":"x","brand":"acme","author":{"id":"time-traveller"},"text":"hello","createdAt":"2031-06-01T00:00:00Z"}""";
        var lines = clean.ToList();
        lines.Insert(100, far);
        lines.Insert(2_000, far.Replace("acme", "globex"));
        lines.Insert(2_500, far.Replace("2031", "2199"));
        var (signals, _, engine) = Replay([.. lines], gate: false);

        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, BrandAlerts(signals));
        Assert.Equal(0, engine.BrandMonitor.LateDropped);
    }

    [Fact]
    public void Open_minutes_stay_bounded_whatever_minutes_arrive()
    {
        var monitor = new BrandMonitor(new RulesOptions());
        var signals = new List<DomainSignal>();
        var analysis = new Engagement.EngagementEngine(new RulesOptions()).Analyze(TestMentions.Make("fine"));
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            var at = i % 2 == 0 ? TestMentions.T0.AddSeconds(i) : EventTime.Earliest.AddMinutes(random.NextInt64(0, 100_000_000));
            monitor.Observe(TestMentions.Make("fine", at: at, id: $"m{i}"), analysis, signals);
        }
        using var state = System.Text.Json.JsonDocument.Parse(monitor.ExportState());
        var open = state.RootElement.GetProperty("brands")[0].GetProperty("open").GetArrayLength();
        output.WriteLine($"{open} open minutes");
        Assert.InRange(open, 1, BrandMonitor.MaxOpenBuckets);
    }

    [Fact]
    public void A_backfill_of_last_years_history_then_this_years_counts_every_mention_as_before()
    {
        // Last year's crisis file, then this year's: a gap of a year between two dense streams.
        var thisYear = ReplayTests.MentionsFile();
        var lastYear = thisYear.Select(l => l.Replace("\"id\":\"m", "\"id\":\"old-m").Replace("2026-11-23T", "2025-11-23T")).ToArray();
        var lines = lastYear.Concat(thisYear).ToArray();

        var gated = Replay(lines);
        var ungated = Replay(lines, gate: false);

        Assert.Empty(gated.Rejected);
        Assert.Equal(lines.Length, gated.Engine.MentionsApplied);
        Assert.Equal(ungated.Engine.ExportState(), gated.Engine.ExportState());
        Assert.Equal(ungated.Signals.Select(s => s.ToJsonString()), gated.Signals.Select(s => s.ToJsonString()));
        Assert.Equal(6, BrandAlerts(gated.Signals).Count);
        // Customer state does not depend on any watermark: the customers' counts are those of the mentions applied.
        foreach (var id in new[] { "acme:C-1", "acme:C-7", "globex:C-3" })
        {
            var count = lines.Count(l => l.Contains($"\"customerId\":\"{id[(id.IndexOf(':') + 1)..]}\"") && l.Contains($"\"brand\":\"{id[..id.IndexOf(':')]}\""));
            Assert.Equal(count, gated.Engine.Find(EntityId.Parse(id))?.MentionsApplied ?? 0);
        }
    }
}
