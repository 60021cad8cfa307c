using System.Text.Json;
using System.Threading;
using CsCheck;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Fuzz.Tests;

/// <summary>
/// Any stream of mentions, with any of them delivered again while still among their customer's last 8: the customers,
/// the brand monitor and the alerts end as they would without the repeats; only the watermarks (the offsets read) differ.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class RepeatFuzzTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private static readonly string[] Texts =
    [
        "acme support is terrible, still waiting", "love my new acme phone 😍", "I'm going to cancel and switch to globex",
        "WORST. SUPPORT. EVER. 😡", "how much is the premium plan?", "ok thanks", "my acme order never arrived, so annoying",
    ];

    /// <summary>A mention of one of 4 customers or 2 prospects: any text, time within a day, reach and share count.</summary>
    private static readonly Gen<(int Author, int Text, int Minute, long Followers, long Shares, int Kind, int Platform)> Shape =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, Texts.Length - 1], Gen.Int[0, 1_440], Gen.Long[0, 300_000], Gen.Long[0, 5_000],
            Gen.Int[0, 2], Gen.Int[0, 1]);

    /// <summary>After each mention, how far back in its customer's mentions a repeat reaches (a negative value: no repeat).</summary>
    private static readonly Gen<List<((int Author, int Text, int Minute, long Followers, long Shares, int Kind, int Platform) Shape, int RepeatBack)>> Stream =
        Gen.Select(Shape, Gen.Frequency((3, Gen.Const(-1)), (2, Gen.Int[0, RecentMentionSlots - 1]))).List[1, 120];

    private const int RecentMentionSlots = 8;

    [Fact]
    public void Mentions_delivered_again_change_nothing_but_the_watermarks()
    {
        long tried = 0;
        var rules = new RulesOptions { Competitors = ["globex"] };
        Stream.Sample(plan =>
            {
                Interlocked.Increment(ref tried);
                var distinct = new List<Mention>();
                var delivered = new List<Mention>();
                var byAuthor = new Dictionary<int, List<Mention>>();
                for (var i = 0; i < plan.Count; i++)
                {
                    var (shape, repeatBack) = plan[i];
                    var mention = MentionOf(i, shape);
                    distinct.Add(mention);
                    delivered.Add(mention);
                    var own = byAuthor.TryGetValue(shape.Author, out var list) ? list : byAuthor[shape.Author] = [];
                    own.Add(mention);
                    if (repeatBack >= 0 && repeatBack < own.Count)
                    {
                        delivered.Add(own[own.Count - 1 - repeatBack]);
                    }
                }

                var once = Replay(rules, distinct, out var onceSignals);
                var again = Replay(rules, delivered, out var againSignals);

                Assert.Equal(onceSignals, againSignals);
                Assert.Equal(once.MentionsApplied, again.MentionsApplied);
                Assert.Equal(delivered.Count - distinct.Count, again.MentionsSkipped);
                Assert.Equal(WithoutWatermarks(once.ExportState()), WithoutWatermarks(again.ExportState()));
            },
            writeLine: output.WriteLine, seed: FuzzBudget.Seed, time: FuzzBudget.Seconds, threads: 1);
        output.WriteLine($"inputs tried: {tried}");
    }

    private static Mention MentionOf(int index, (int Author, int Text, int Minute, long Followers, long Shares, int Kind, int Platform) shape) => new()
    {
        Id = $"m{index}",
        Platform = shape.Platform == 0 ? Platform.X : Platform.Facebook,
        Brand = "acme",
        CustomerId = shape.Author < 4 ? $"C-{shape.Author}" : null,
        Author = new Author($"a{shape.Author}", "@a", shape.Followers),
        Text = Texts[shape.Text],
        Lang = "en",
        CreatedAt = Start.AddMinutes(shape.Minute),
        Kind = shape.Kind switch { 0 => MentionKind.Post, 1 => MentionKind.Reply, _ => MentionKind.Share },
        Metrics = new EngagementMetrics(Shares: shape.Shares),
    };

    /// <summary>Replays the mentions at offsets 0.. of one partition; the signals as kind, subject, event time and priority (ids carry the offsets).</summary>
    private static ReplayEngine Replay(RulesOptions rules, List<Mention> mentions, out List<string> signals)
    {
        var replay = new ReplayEngine(rules);
        var output = replay.Run(mentions.Select((m, offset) => (m, new SourcePosition(0, offset))));
        signals = [.. output.Select(Describe)];
        return replay;
    }

    private static string Describe(DomainSignal signal) => signal switch
    {
        CrisisAlert alert => $"crisis/{alert.Kind}/{alert.Entity ?? alert.Brand}/{alert.EventTime:O}/{alert.Priority}",
        LifecycleTrigger trigger => $"trigger/{trigger.Type}/{trigger.Entity}/{trigger.EventTime:O}/{trigger.Priority}",
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal the replay raises"),
    };

    /// <summary>The exported state without what tells the offsets read: the counts of skipped mentions and each entity's watermarks.</summary>
    private static string WithoutWatermarks(byte[] exported)
    {
        using var document = JsonDocument.Parse(exported);
        var entities = document.RootElement.GetProperty("entities").EnumerateArray().Select(e =>
            e.GetProperty("id").GetString() + ":" + string.Join(",", e.GetProperty("fields").EnumerateObject()
                .Where(f => !f.Name.StartsWith(CustomerState.WatermarkPrefix, StringComparison.Ordinal))
                .Select(f => $"{f.Name}={f.Value}")));
        return string.Join("\n", entities) + "\n" + document.RootElement.GetProperty("brandMonitor").GetRawText();
    }
}
