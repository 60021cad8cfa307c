using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class ScenarioTests(ITestOutputHelper output)
{
    private static RulesOptions Rules() => new() { Brands = new() { ["acme"] = new BrandRules { Competitors = ["Globex"] } } };

    [Fact]
    public void Influencer_angry_post_raises_one_alert_not_one_per_retweet()
    {
        var replay = new ReplayEngine(Rules());
        var signals = new List<DomainSignal>();
        var text = "@acme your update deleted all my photos. Worst service ever, absolutely disgusting. Call me on +44 20 7946 0958 or mail jo@example.com";
        var post = TestMentions.Make(text, authorId: "star", handle: "jo_star", followers: 1_200_000, verified: true, id: "p1");
        var offset = 0L;
        replay.Process(post, new SourcePosition(0, offset++), signals);
        for (var i = 0; i < 40; i++)
        {
            // Retweets by others (some of them influencers too) and the same post delivered again with growing metrics.
            var share = TestMentions.Make("RT @jo_star: " + text, authorId: $"fan{i}", followers: i % 4 == 0 ? 300_000 : 800, id: $"rt{i}",
                kind: MentionKind.Share, at: TestMentions.T0.AddSeconds(20 * i));
            replay.Process(share, new SourcePosition(0, offset++), signals);
            var again = post with { Metrics = new EngagementMetrics(Shares: 3 * i) };
            replay.Process(again, new SourcePosition(0, offset++), signals);
        }
        var alert = Assert.Single(signals.OfType<CrisisAlert>(), a => a.Kind == CrisisKind.InfluencerNegative);
        Assert.Equal("acme:x:star", alert.EntityId);
        Assert.Equal(Priority.P1, alert.Priority);
        Assert.Equal(10, alert.Severity);
        Assert.Equal("Verified author @jo_star (1.2M followers) posted a strongly negative mention about acme.", alert.Summary);
        var evidence = Assert.Single(alert.Evidence);
        Assert.Equal("p1", evidence.MentionId);
        Assert.Contains("[phone]", evidence.Excerpt);
        Assert.Contains("[email]", evidence.Excerpt);
        Assert.DoesNotContain("jo@example.com", evidence.Excerpt);
        Assert.Equal(TestMentions.T0, alert.DetectedAt);
        output.WriteLine(alert.ToJsonString());
    }

    [Fact]
    public void Viral_negative_fires_on_share_velocity()
    {
        var engine = new EngagementEngine(Rules());
        var state = CustomerState.New(EntityId.ForProspect("acme", Platform.X, "a1"));
        var signals = new List<DomainSignal>();
        var post = TestMentions.Make("acme lost my luggage, terrible, never again", authorId: "a1", followers: 900, shares: 50);
        engine.Apply(state, post, new SourcePosition(0, 1), signals);
        Assert.Empty(signals.OfType<CrisisAlert>());
        engine.Apply(state, post with { Metrics = new EngagementMetrics(Shares: 2_400) }, new SourcePosition(0, 2), signals);
        var alert = Assert.Single(signals.OfType<CrisisAlert>());
        Assert.Equal(CrisisKind.ViralNegative, alert.Kind);
        engine.Apply(state, post with { Metrics = new EngagementMetrics(Shares: 9_000) }, new SourcePosition(0, 3), signals);
        Assert.Single(signals.OfType<CrisisAlert>());
    }

    private static Mention Ordinary(Random random, long minute, int i, string brand = "acme")
    {
        string[] negative = ["acme support is terrible, still waiting", "my acme order never arrived, so annoying", "acme app keeps crashing, awful"];
        string[] neutral = ["just got the acme update", "anyone tried the acme router", "acme store opens at 9"];
        string[] positive = ["love my new acme phone", "great service from acme today, thanks", "acme delivery was fast, nice"];
        var roll = random.NextDouble();
        var pool = roll < 0.2 ? negative : roll < 0.7 ? neutral : positive;
        var at = TestMentions.T0.AddMinutes(minute).AddSeconds(random.Next(60));
        return TestMentions.Make(pool[random.Next(pool.Length)], brand: brand, authorId: $"a{random.Next(5000)}", followers: random.Next(20_000),
            at: at, id: $"o{minute}-{i}", kind: random.Next(10) == 0 ? MentionKind.Share : MentionKind.Post, shares: random.Next(50));
    }

    [Fact]
    public void Calm_stream_of_100000_ordinary_mentions_raises_no_crisis_alert()
    {
        var random = new Random(20261123);
        var replay = new ReplayEngine(Rules());
        var signals = new List<DomainSignal>();
        long offset = 0;
        for (var minute = 0; offset < 100_000; minute++)
        {
            var perMinute = 80 + random.Next(41); // 80..120 a minute, about 1,000 minutes
            for (var i = 0; i < perMinute && offset < 100_000; i++)
            {
                replay.Process(Ordinary(random, minute, i), new SourcePosition(0, offset++), signals);
            }
        }
        replay.Finish(signals);
        Assert.Equal(100_000, replay.MentionsApplied);
        output.WriteLine($"{signals.Count} signals, {signals.OfType<CrisisAlert>().Count()} crisis alerts, {replay.EntityCount} entities");
        foreach (var alert in signals.OfType<CrisisAlert>().Take(5))
        {
            output.WriteLine(alert.ToJsonString());
        }
        Assert.Empty(signals.OfType<CrisisAlert>());
    }

    [Fact]
    public void Negative_burst_raises_a_volume_spike_within_two_buckets_and_none_during_the_cooldown()
    {
        var random = new Random(7);
        var replay = new ReplayEngine(Rules());
        var signals = new List<DomainSignal>();
        long offset = 0;
        long? firedWhileProcessingMinute = null;
        for (var minute = 0; minute < 100; minute++)
        {
            var burst = minute is >= 30 and < 36 or >= 70 and < 72;
            var count = burst ? 150 : 40;
            for (var i = 0; i < count; i++)
            {
                var m = burst && i % 3 != 0
                    ? TestMentions.Make("acme is down AGAIN, worst outage ever, unacceptable", authorId: $"b{minute}-{i}", followers: 300,
                        at: TestMentions.T0.AddMinutes(minute).AddSeconds(i % 60), id: $"b{minute}-{i}")
                    : Ordinary(random, minute, i);
                replay.Process(m, new SourcePosition(0, offset++), signals);
                if (firedWhileProcessingMinute is null && signals.OfType<CrisisAlert>().Any(a => a.Kind == CrisisKind.VolumeSpike))
                {
                    firedWhileProcessingMinute = minute;
                }
            }
        }
        replay.Finish(signals);
        var spikes = signals.OfType<CrisisAlert>().Where(a => a.Kind == CrisisKind.VolumeSpike).ToList();
        foreach (var s in signals.OfType<CrisisAlert>().Take(5))
        {
            output.WriteLine(s.ToJsonString());
        }
        Assert.NotNull(firedWhileProcessingMinute);
        Assert.InRange(firedWhileProcessingMinute.Value, 30, 31);
        Assert.Equal(TestMentions.T0.AddMinutes(30), spikes[0].EventTime);
        // The burst lasts six minutes: one alert, not six (cool-down 30 minutes); the second burst, after the cool-down, alerts again.
        Assert.Single(spikes, s => s.EventTime < TestMentions.T0.AddMinutes(60));
        Assert.Single(spikes, s => s.EventTime >= TestMentions.T0.AddMinutes(60));
        Assert.Equal(TestMentions.T0.AddMinutes(70), spikes[1].EventTime);
        Assert.Equal("acme", spikes[0].Key);
        Assert.Null(spikes[0].EntityId);
        Assert.InRange(spikes[0].Evidence.Count, 1, 3);
    }

    [Fact]
    public void Brand_monitor_accepts_pre_aggregated_late_counts_within_the_lateness()
    {
        var monitor = new BrandMonitor(new RulesOptions());
        var signals = new List<DomainSignal>();
        for (var minute = 0L; minute < 20; minute++)
        {
            // Two streams report the same minute separately.
            monitor.Observe(new BrandMinuteCounts("acme", minute, 3, 10, 5), signals);
            monitor.Observe(new BrandMinuteCounts("acme", minute, 2, 10, 5), signals);
        }
        // Minute 20 spikes, reported in three parts; the last part arrives late (after minute 21 began) but within the lateness.
        monitor.Observe(new BrandMinuteCounts("acme", 20, 10, 5, 1), signals);
        monitor.Observe(new BrandMinuteCounts("acme", 21, 5, 20, 10), signals);
        Assert.Empty(signals);
        monitor.Observe(new BrandMinuteCounts("acme", 20, 40, 0, 0), signals);
        var spike = Assert.Single(signals.OfType<CrisisAlert>(), a => a.Kind == CrisisKind.VolumeSpike);
        Assert.Equal(BrandMonitor.StartOf(20), spike.EventTime);
        // Far too late: dropped and counted.
        monitor.Observe(new BrandMinuteCounts("acme", 40, 5, 20, 10), signals);
        monitor.Observe(new BrandMinuteCounts("acme", 20, 100, 0, 0), signals);
        Assert.Equal(1, monitor.LateDropped);
        Assert.Single(signals.OfType<CrisisAlert>(), a => a.Kind == CrisisKind.VolumeSpike);
    }

    private static (List<DomainSignal> Signals, CustomerState State) Churner(ValueTier tier, string customer)
    {
        var engine = new EngagementEngine(Rules());
        var state = CustomerState.New(EntityId.ForCustomer("acme", customer));
        engine.ApplyProfile(state, new CustomerProfile(tier, tier == ValueTier.Platinum ? 25_000 : 300, null, true));
        var signals = new List<DomainSignal>();
        string[] texts =
        [
            "Loving the new fibre speed, thanks acme!",
            "Great support today, quick fix.",
            "My internet has been down again for 3 days, this is unacceptable.",
            "Still waiting for a technician. Terrible service.",
            "Third outage this week and no response from support. Ridiculous.",
            "That's it. I'm going to cancel my subscription and switch to Globex.",
            "Nobody called me back. Awful.",
            "Still no internet, going to cancel my contract",
        ];
        for (var i = 0; i < texts.Length; i++)
        {
            engine.Apply(state, TestMentions.Make(texts[i], customerId: customer, id: $"{customer}-{i}", at: TestMentions.T0.AddDays(i)),
                new SourcePosition(1, i), signals);
        }
        return (signals, state);
    }

    [Fact]
    public void High_value_customer_who_complains_then_cancels_raises_one_retention_trigger_with_the_reasons()
    {
        var (signals, state) = Churner(ValueTier.Platinum, "C-42");
        var trigger = Assert.Single(signals.OfType<LifecycleTrigger>(), t => t.Type == TriggerType.Retention);
        output.WriteLine(trigger.ToJsonString());
        Assert.Equal("C-42-5", Assert.Single(trigger.Evidence).MentionId);
        Assert.Contains("repeated-complaints", trigger.Reasons);
        Assert.Contains("cancel-intent", trigger.Reasons);
        Assert.Contains("competitor-switch", trigger.Reasons);
        Assert.Equal(Priority.P1, trigger.Priority);
        Assert.Equal(ValueTier.Platinum, trigger.ValueTier);
        Assert.Equal("C-42", trigger.CustomerId);
        Assert.True(trigger.RiskScore >= 0.6, $"risk {trigger.RiskScore}");
        Assert.Equal(LifecycleStage.AtRisk, state.Stage);
        Assert.Equal(4, state.ComplaintsInWindow);
    }

    [Fact]
    public void Same_customer_at_bronze_ranks_below_platinum()
    {
        var platinum = Assert.Single(Churner(ValueTier.Platinum, "P").Signals.OfType<LifecycleTrigger>(), t => t.Type == TriggerType.Retention);
        var bronze = Assert.Single(Churner(ValueTier.Bronze, "B").Signals.OfType<LifecycleTrigger>(), t => t.Type == TriggerType.Retention);
        Assert.Equal(Priority.P4, bronze.Priority);
        Assert.True(platinum.Priority < bronze.Priority);
        var queue = new[] { bronze, platinum }.OrderBy(t => t.Priority).ThenByDescending(t => t.RiskScore).ToList();
        Assert.Same(platinum, queue[0]);
        Assert.NotEqual(platinum.SuggestedAction, bronze.SuggestedAction);
    }

    [Fact]
    public void Prospect_asking_where_to_buy_raises_an_acquisition_trigger()
    {
        var engine = new EngagementEngine(Rules());
        var state = CustomerState.New(EntityId.ForProspect("acme", Platform.Instagram, "newbie"));
        var signals = new List<DomainSignal>();
        var m = TestMentions.Make("Where can I buy the acme X2 headphones in Berlin?", authorId: "newbie", followers: 420, platform: Platform.Instagram);
        engine.Apply(state, m, new SourcePosition(5, 77), signals);
        var trigger = Assert.Single(signals.OfType<LifecycleTrigger>());
        Assert.Equal(TriggerType.Acquisition, trigger.Type);
        Assert.Equal("acme:instagram:newbie", trigger.EntityId);
        Assert.Null(trigger.CustomerId);
        Assert.Contains("purchase-intent", trigger.Reasons);
        Assert.Equal(LifecycleStage.Prospect, state.Stage);
        // Asking again the next day is within the cool-down.
        engine.Apply(state, m with { Id = "m2", CreatedAt = m.CreatedAt.AddDays(1) }, new SourcePosition(5, 78), signals);
        Assert.Single(signals.OfType<LifecycleTrigger>());
    }

    [Fact]
    public void Sustained_positive_reach_raises_advocacy_and_abuse_raises_termination_review()
    {
        var engine = new EngagementEngine(Rules());
        var fan = CustomerState.New(EntityId.ForCustomer("acme", "F"));
        var signals = new List<DomainSignal>();
        for (var i = 0; i < 6; i++)
        {
            engine.Apply(fan, TestMentions.Make("Absolutely love acme, best support ever!", customerId: "F", followers: 25_000, id: $"f{i}", at: TestMentions.T0.AddHours(i)),
                new SourcePosition(0, i), signals);
        }
        var advocacy = Assert.Single(signals.OfType<LifecycleTrigger>());
        Assert.Equal(TriggerType.Advocacy, advocacy.Type);
        Assert.Equal(LifecycleStage.Advocate, fan.Stage);

        signals.Clear();
        var troll = CustomerState.New(EntityId.ForCustomer("acme", "T"));
        engine.ApplyProfile(troll, new CustomerProfile(ValueTier.Bronze, 20, null, true));
        for (var i = 0; i < 4; i++)
        {
            engine.Apply(troll, TestMentions.Make("You are pathetic disgusting idiots, I hate you, worst scum!!", customerId: "T", id: $"t{i}", at: TestMentions.T0.AddHours(i)),
                new SourcePosition(0, i), signals);
        }
        var review = Assert.Single(signals.OfType<LifecycleTrigger>(), t => t.Type == TriggerType.TerminationReview);
        Assert.Contains("persistently-abusive", review.Reasons);
    }
}
