using System.Globalization;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// The per-customer detectors, run after a mention is applied: crisis (influencer-negative, viral-negative)
/// and lifecycle triggers (retention, acquisition, advocacy, termination-review). Each has a cool-down per
/// entity in event time, so the same customer does not raise the same signal again and again.
/// Lifecycle triggers reach a person, so one ambiguous post (sentiment unknown, or not of the class the trigger is
/// about: "I will cancel my old plan and upgrade, great value") must not raise one: retention fires on a negative post
/// or on risk corroborated by repeated complaints; advocacy, which already needs a streak of positive posts, fires on a
/// positive one.
/// </summary>
internal sealed class CustomerDetectors(RulesOptions rules)
{
    private readonly long _crisisCooldown = (long)(rules.Crisis.CooldownMinutes * TimeSpan.TicksPerMinute);
    private readonly long _retentionCooldown = (long)(rules.Retention.CooldownDays * TimeSpan.TicksPerDay);
    private readonly long _acquisitionCooldown = (long)(rules.Acquisition.CooldownDays * TimeSpan.TicksPerDay);
    private readonly long _advocacyCooldown = (long)(rules.Advocacy.CooldownDays * TimeSpan.TicksPerDay);
    private readonly long _terminationCooldown = (long)(rules.Termination.CooldownDays * TimeSpan.TicksPerDay);
    private readonly long _windowTicks = (long)(rules.Engagement.WindowDays * TimeSpan.TicksPerDay);

    public static bool IsAdvocate(CustomerState s, AdvocacyRules r) =>
        s.PositiveStreak >= r.MinPositiveStreak && s.HasSentiment && s.Sentiment >= r.MinSentiment
        && s.Level == EngagementLevel.High && s.MaxFollowers >= r.MinFollowers;

    /// <summary>Whether the mention's share count alone could make it viral: worth analysing a repeat for.</summary>
    public bool MayBeViral(Mention m) => m.Kind != MentionKind.Share && m.Metrics.Shares >= rules.Crisis.ViralMinShares;

    /// <summary>A negative post shared fast enough; also run for a post delivered again with a grown share count.</summary>
    public void DetectViral(CustomerState s, Mention m, SourcePosition position, MentionAnalysis a, long now, ICollection<DomainSignal> output)
    {
        if (a.Confidence == SentimentConfidence.None || !MayBeViral(m) || a.Compound > rules.Crisis.ViralCompound)
        {
            return;
        }
        // The domain has no clock: a mention's age is measured against the latest event time the entity has seen, at least a minute.
        var ageMinutes = Math.Max(1.0, (double)(s.LastMentionTicks - now) / TimeSpan.TicksPerMinute);
        var velocity = m.Metrics.Shares / ageMinutes;
        if (velocity >= rules.Crisis.ViralSharesPerMinute && Ready(s, Detector.ViralNegative, now, _crisisCooldown))
        {
            output.Add(ViralNegative(s, m, position, a, velocity));
            s.SetLastFired(Detector.ViralNegative, now);
        }
    }

    public void Detect(CustomerState s, Mention m, SourcePosition position, MentionAnalysis a, ResolvedBrandRules brand, long now, ICollection<DomainSignal> output)
    {
        // A share repeats someone else's post: the original raised the alert (if any), its shares must not raise more.
        if (a.Confidence != SentimentConfidence.None && m.Kind != MentionKind.Share
            && m.Author.Followers >= brand.InfluencerFollowers && a.Compound <= brand.InfluencerCompound
            && Ready(s, Detector.InfluencerNegative, now, _crisisCooldown))
        {
            output.Add(InfluencerNegative(s, m, position, a, brand));
            s.SetLastFired(Detector.InfluencerNegative, now);
        }
        DetectViral(s, m, position, a, now, output);

        if (!s.ConsentProcessing)
        {
            return; // no profiling without consent: no lifecycle triggers
        }

        if (s.IsCustomer && s.Stage != LifecycleStage.Churned && s.RiskScore >= brand.RetentionRiskThreshold
            && (Unambiguous(a, SentimentClass.Negative) || s.ComplaintsInWindow >= rules.Retention.RepeatedComplaints)
            && Ready(s, Detector.Retention, now, _retentionCooldown))
        {
            output.Add(Retention(s, m, position));
            s.SetLastFired(Detector.Retention, now);
        }

        if (rules.Acquisition.Enabled && !s.IsCustomer
            && (a.Has(IntentKind.Purchase) || a.Has(IntentKind.CompetitorWin) || (a.Has(IntentKind.Praise) && a.Class == SentimentClass.Positive))
            && Ready(s, Detector.Acquisition, now, _acquisitionCooldown))
        {
            output.Add(Acquisition(s, m, position, a));
            s.SetLastFired(Detector.Acquisition, now);
        }

        if (rules.Advocacy.Enabled && s.Stage == LifecycleStage.Advocate && Unambiguous(a, SentimentClass.Positive)
            && Ready(s, Detector.Advocacy, now, _advocacyCooldown))
        {
            output.Add(Advocacy(s, m, position));
            s.SetLastFired(Detector.Advocacy, now);
        }

        if (rules.Termination.Enabled && s.IsCustomer)
        {
            var t = rules.Termination;
            var abusive = s.AbusiveSince(now - _windowTicks, now) >= t.AbusiveCount;
            var lowValue = s.ValueTier == ValueTier.Bronze || (s.ValueTier == ValueTier.Unknown && s.Clv < t.LowValueClv);
            var costly = lowValue && s.ComplaintsInWindow >= t.CostlyComplaints;
            if ((abusive || costly) && Ready(s, Detector.TerminationReview, now, _terminationCooldown))
            {
                output.Add(Termination(s, m, position, abusive, costly));
                s.SetLastFired(Detector.TerminationReview, now);
            }
        }
    }

    /// <summary>Of known sentiment (high or low confidence), and of the given class.</summary>
    private static bool Unambiguous(MentionAnalysis a, SentimentClass expected) => a.Confidence != SentimentConfidence.None && a.Class == expected;

    private static bool Ready(CustomerState s, Detector detector, long now, long cooldown)
    {
        var last = s.GetLastFired(detector);
        return last == 0 || now - last >= cooldown;
    }

    private static Evidence EvidenceOf(CustomerState s, Mention m) =>
        new(m.Id, m.Platform.ToWire(), s.ConsentProcessing ? Excerpts.Make(m.Text) : Excerpts.Withheld);

    private static string Who(Mention m)
    {
        var name = string.IsNullOrEmpty(m.Author.Handle) ? m.Author.Id : (m.Author.Handle.StartsWith('@') ? m.Author.Handle : "@" + m.Author.Handle);
        return (m.Author.Verified ? "Verified author " : "Author ") + name;
    }

    internal static string Followers(long followers) => followers >= 1_000_000
        ? (followers / 1_000_000.0).ToString("0.#", CultureInfo.InvariantCulture) + "M"
        : followers.ToString("N0", CultureInfo.InvariantCulture);

    private static string F2(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static List<string> IntentReasons(MentionAnalysis a)
    {
        var list = new List<string>(2);
        foreach (var intent in a.Intents)
        {
            if (intent.Kind is IntentKind.Cancel or IntentKind.CompetitorSwitch or IntentKind.Complaint)
            {
                list.Add("intent: " + intent.Name);
            }
        }
        return list;
    }

    private CrisisAlert InfluencerNegative(CustomerState s, Mention m, SourcePosition position, MentionAnalysis a, ResolvedBrandRules brand)
    {
        var severity = rules.Crisis.InfluencerSeverity + (m.Author.Verified ? 1 : 0) + (m.Author.Followers >= 10 * brand.InfluencerFollowers ? 1 : 0);
        severity = Math.Clamp(severity, 1, 10);
        var tail = a.Has(IntentKind.Cancel) ? " with cancel intent" : a.Has(IntentKind.CompetitorSwitch) ? " about switching to a competitor" : "";
        var reasons = new List<string>
        {
            "negative sentiment " + F2(a.Compound),
            $"author reach {m.Author.Followers.ToString(CultureInfo.InvariantCulture)} >= {brand.InfluencerFollowers.ToString(CultureInfo.InvariantCulture)}",
        };
        reasons.AddRange(IntentReasons(a));
        return new CrisisAlert
        {
            Id = SignalIds.ForAlert(Detector.InfluencerNegative.ToWire(), s.Id.Value, position),
            Kind = CrisisKind.InfluencerNegative,
            Brand = m.Brand,
            Entity = s.Id.Value,
            Severity = severity,
            Priority = SignalNames.FromSeverity(severity),
            Summary = $"{Who(m)} ({Followers(m.Author.Followers)} followers) posted a strongly negative mention about {m.Brand}{tail}.",
            Reasons = reasons,
            Evidence = [EvidenceOf(s, m)],
            EventTime = m.CreatedAt.ToUniversalTime(),
            DetectedAt = m.CreatedAt.ToUniversalTime(),
        };
    }

    private CrisisAlert ViralNegative(CustomerState s, Mention m, SourcePosition position, MentionAnalysis a, double velocity)
    {
        var severity = Math.Clamp(rules.Crisis.ViralSeverity + (velocity >= 5 * rules.Crisis.ViralSharesPerMinute ? 1 : 0), 1, 10);
        var reasons = new List<string>
        {
            "negative sentiment " + F2(a.Compound),
            $"{velocity.ToString("0.#", CultureInfo.InvariantCulture)} shares per minute >= {rules.Crisis.ViralSharesPerMinute.ToString(CultureInfo.InvariantCulture)}",
            $"{m.Metrics.Shares.ToString(CultureInfo.InvariantCulture)} shares",
        };
        reasons.AddRange(IntentReasons(a));
        return new CrisisAlert
        {
            Id = SignalIds.ForAlert(Detector.ViralNegative.ToWire(), s.Id.Value, position),
            Kind = CrisisKind.ViralNegative,
            Brand = m.Brand,
            Entity = s.Id.Value,
            Severity = severity,
            Priority = SignalNames.FromSeverity(severity),
            Summary = $"A negative mention about {m.Brand} by {Who(m)} is spreading fast: {m.Metrics.Shares.ToString("N0", CultureInfo.InvariantCulture)} shares, about {velocity.ToString("0", CultureInfo.InvariantCulture)} per minute.",
            Reasons = reasons,
            Evidence = [EvidenceOf(s, m)],
            EventTime = m.CreatedAt.ToUniversalTime(),
            DetectedAt = m.CreatedAt.ToUniversalTime(),
        };
    }

    private LifecycleTrigger Trigger(CustomerState s, Mention m, SourcePosition position, TriggerType type, Detector detector,
        Priority priority, IReadOnlyList<string> reasons, string action) => new()
    {
        Id = SignalIds.ForTrigger(detector.ToWire(), s.Id.Value, position),
        Type = type,
        Brand = m.Brand,
        Entity = s.Id.Value,
        CustomerId = m.CustomerId ?? (s.HasProfile ? s.Id.LocalId : null),
        RiskScore = s.RiskScore,
        ValueTier = s.ValueTier,
        Reasons = reasons,
        SuggestedAction = action,
        Priority = priority,
        EventTime = m.CreatedAt.ToUniversalTime(),
        DetectedAt = m.CreatedAt.ToUniversalTime(),
        Evidence = [EvidenceOf(s, m)],
    };

    private LifecycleTrigger Retention(CustomerState s, Mention m, SourcePosition position)
    {
        var action = s.ValueTier switch
        {
            ValueTier.Platinum => "Call within 1 hour: senior agent, goodwill gesture allowed.",
            ValueTier.Gold => "Reach out within 4 hours: personal reply from a senior agent, offer a fix and a goodwill gesture.",
            ValueTier.Silver => "Reply within 24 hours with a concrete fix and an apology.",
            ValueTier.Bronze or ValueTier.Unknown => "Reply within 48 hours with a fix or self-service help.",
            _ => throw new ArgumentOutOfRangeException(nameof(s), s.ValueTier, "not a value tier"),
        };
        return Trigger(s, m, position, TriggerType.Retention, Detector.Retention, SignalNames.FromTier(s.ValueTier), s.RiskReasons.ToWire(), action);
    }

    private LifecycleTrigger Acquisition(CustomerState s, Mention m, SourcePosition position, MentionAnalysis a)
    {
        var reasons = new List<string>(3);
        if (a.Has(IntentKind.Purchase)) reasons.Add("purchase-intent");
        if (a.Has(IntentKind.CompetitorWin)) reasons.Add("competitor-win");
        if (a.Has(IntentKind.Praise)) reasons.Add("praise");
        var highReach = s.MaxFollowers >= rules.Acquisition.HighReachFollowers;
        if (highReach) reasons.Add("reach");
        var action = a.Has(IntentKind.Purchase)
            ? "Reply within 1 hour with where and how to buy, and a welcome offer."
            : "Thank them publicly and invite them to become a customer with a welcome offer.";
        return Trigger(s, m, position, TriggerType.Acquisition, Detector.Acquisition, highReach ? Priority.P2 : Priority.P3, reasons, action);
    }

    private LifecycleTrigger Advocacy(CustomerState s, Mention m, SourcePosition position)
    {
        var priority = s.MaxFollowers >= 100_000 || s.ValueTier >= ValueTier.Gold ? Priority.P2 : Priority.P3;
        return Trigger(s, m, position, TriggerType.Advocacy, Detector.Advocacy, priority,
            ["sustained-positive", "high-engagement", "reach"],
            "Thank them personally and invite them to the advocate programme (review, referral or testimonial).");
    }

    private LifecycleTrigger Termination(CustomerState s, Mention m, SourcePosition position, bool abusive, bool costly)
    {
        var reasons = new List<string>(2);
        if (abusive) reasons.Add("persistently-abusive");
        if (costly) reasons.Add("costly-to-serve");
        return Trigger(s, m, position, TriggerType.TerminationReview, Detector.TerminationReview, abusive ? Priority.P3 : Priority.P4, reasons,
            "Human review of the relationship history before any action; never terminate automatically.");
    }
}
