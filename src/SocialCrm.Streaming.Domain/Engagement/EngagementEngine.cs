using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Engagement;

/// <summary>
/// The rules engine of one customer: analyses mentions and applies them to a <see cref="CustomerState"/>,
/// raising per-customer crisis alerts and lifecycle triggers. Stateless and thread-safe (all state is in
/// the <see cref="CustomerState"/> passed in); build once from validated <see cref="RulesOptions"/> and do not
/// mutate the options afterwards.
/// <para>
/// Consent (a profile whose <c>consent.processing</c> is anything but true, topology/schemas/customer-profile.schema.json:
/// "must not be processed beyond counting"): the mention is counted (mentions applied, watermark, engagement score as a
/// decayed count, last mention time) and nothing else. No sentiment trend, intents, complaints, risk or reach
/// is kept for the customer, no lifecycle trigger and no per-customer crisis alert is raised, and the derived
/// personal data already held is cleared when the profile arrives. The mention still counts, by sentiment
/// class, in the brand's aggregate volume (an aggregate about the brand, not a profile of the person), but is
/// never used as evidence text (<see cref="Excerpts.Withheld"/>).
/// A tombstone (<see cref="ApplyProfile"/> with null) forgets everything but the applied-offset watermark,
/// which is not personal data and keeps replays from re-applying old mentions.
/// </para>
/// </summary>
public sealed class EngagementEngine
{
    private readonly MentionAnalyzer _analyzer;
    private readonly BrandRulesTable _brands;
    private readonly CustomerDetectors _detectors;
    private readonly long _halfLifeTicks;
    private readonly long _windowTicks;

    public EngagementEngine(RulesOptions rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var errors = RulesValidator.Validate(rules);
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid rules: " + string.Join("; ", errors), nameof(rules));
        }
        Rules = rules;
        _analyzer = new MentionAnalyzer(rules.Sentiment);
        _brands = new BrandRulesTable(rules);
        _detectors = new CustomerDetectors(rules);
        _halfLifeTicks = (long)(rules.Engagement.HalfLifeHours * TimeSpan.TicksPerHour);
        _windowTicks = (long)(rules.Engagement.WindowDays * TimeSpan.TicksPerDay);
    }

    public RulesOptions Rules { get; }

    public ResolvedBrandRules BrandRules(string brand) => _brands.For(brand);

    public MentionAnalysis Analyze(Mention mention) =>
        _analyzer.Analyze(mention.Text, mention.Lang, mention.Sentiment, _brands.For(mention.Brand).Competitors);

    /// <summary>
    /// Applies one mention to the entity's state. Returns false when it is not applied: the watermark says the position
    /// was applied already (nothing changes), or the customer's last mentions hold one with its platform and id: the
    /// mention delivered again, as sources do when a post's engagement grows. Such a repeat is not counted again; only
    /// its position is marked applied, and its grown share count may make the post viral (<see cref="CustomerDetectors.DetectViral"/>).
    /// Emitted alerts/triggers are appended to <paramref name="output"/>.
    /// </summary>
    public bool Apply(CustomerState state, Mention mention, SourcePosition position, ICollection<DomainSignal> output) =>
        Apply(state, mention, position, output, out _, out _);

    /// <summary>
    /// As <see cref="Apply(CustomerState, Mention, SourcePosition, ICollection{DomainSignal})"/>, also handing back the
    /// analysis (null when not applied) and whether the mention was a repeat.
    /// </summary>
    public bool Apply(CustomerState state, Mention mention, SourcePosition position, ICollection<DomainSignal> output, out MentionAnalysis? analysis, out bool repeat)
    {
        analysis = null;
        if (!Admit(state, mention, position, null, output, out repeat))
        {
            return false;
        }
        analysis = Analyze(mention);
        ApplyAnalyzed(state, mention, position, analysis, output);
        return true;
    }

    /// <summary>Applies a mention analysed before (by <see cref="Analyze"/>). Returns false when not applied (as <see cref="Apply(CustomerState, Mention, SourcePosition, ICollection{DomainSignal})"/>).</summary>
    public bool Apply(CustomerState state, Mention mention, SourcePosition position, MentionAnalysis analysis, ICollection<DomainSignal> output)
    {
        if (!Admit(state, mention, position, analysis, output, out _))
        {
            return false;
        }
        ApplyAnalyzed(state, mention, position, analysis, output);
        return true;
    }

    /// <summary>Whether the mention is new to the customer; a repeat is handled here (<see cref="ApplyRepeat"/>).</summary>
    private bool Admit(CustomerState state, Mention mention, SourcePosition position, MentionAnalysis? analysis, ICollection<DomainSignal> output, out bool repeat)
    {
        repeat = false;
        if (state.IsApplied(position))
        {
            return false;
        }
        var key = RecentMentions.KeyOf(mention);
        if (state.IsRepeat(key))
        {
            repeat = true;
            ApplyRepeat(state, mention, position, analysis, output);
            return false;
        }
        state.RememberMention(key);
        return true;
    }

    /// <summary>
    /// A mention delivered again: its position is marked applied (a replay skips it by the watermark), and the only
    /// thing it can change is whether the post is now viral, by its share count (the first delivery's text stands for
    /// the rest). Analysed only when its shares could make it viral.
    /// </summary>
    private void ApplyRepeat(CustomerState state, Mention mention, SourcePosition position, MentionAnalysis? analysis, ICollection<DomainSignal> output)
    {
        state.MarkApplied(position);
        if (state.ConsentProcessing && _detectors.MayBeViral(mention))
        {
            _detectors.DetectViral(state, mention, position, analysis ?? Analyze(mention), mention.CreatedAt.UtcTicks, output);
        }
    }

    /// <summary>Applies a CRM profile; null (a tombstone) forgets the customer.</summary>
    public void ApplyProfile(CustomerState state, CustomerProfile? profile)
    {
        if (profile is null)
        {
            state.Forget();
            return;
        }
        state.ValueTier = profile.Tier;
        state.Clv = profile.Clv;
        state.Segment = profile.Segment;
        state.ConsentProcessing = profile.ConsentProcessing;
        state.IsCustomer = true;
        state.HasProfile = true;
        if (!profile.ConsentProcessing)
        {
            state.ClearPersonalInsights();
        }
        if (state.Stage == LifecycleStage.Prospect)
        {
            state.Stage = LifecycleStage.Active;
        }
    }

    private void ApplyAnalyzed(CustomerState s, Mention mention, SourcePosition position, MentionAnalysis a, ICollection<DomainSignal> output)
    {
        var now = mention.CreatedAt.UtcTicks;
        var brand = _brands.For(mention.Brand);
        s.MarkApplied(position);
        s.MentionsApplied++;
        if (mention.CustomerId is not null)
        {
            s.IsCustomer = true;
        }

        // Engagement: exponentially decayed count, weighted by kind. Out-of-order mentions are decayed to the score's time.
        var weight = mention.Kind switch
        {
            MentionKind.Share => 0.5,
            MentionKind.Review => 1.5,
            MentionKind.Post or MentionKind.Reply or MentionKind.Comment or MentionKind.Dm => 1.0,
            _ => throw new ArgumentOutOfRangeException(nameof(mention), mention.Kind, "not a mention kind"),
        };
        if (s.ScoreAtTicks == 0)
        {
            s.EngagementScore = weight;
            s.ScoreAtTicks = now;
        }
        else if (now >= s.ScoreAtTicks)
        {
            s.EngagementScore = s.EngagementScore * Decay(now - s.ScoreAtTicks) + weight;
            s.ScoreAtTicks = now;
        }
        else
        {
            s.EngagementScore += weight * Decay(s.ScoreAtTicks - now);
        }
        s.Level = s.EngagementScore >= Rules.Engagement.HighEngagementScore ? EngagementLevel.High : EngagementLevel.Low;
        s.LastMentionTicks = Math.Max(s.LastMentionTicks, now);
        s.UpdatedTicks = now;
        if (!s.ConsentProcessing)
        {
            return; // counting only, see the class comment
        }

        // Sentiment trend: fast and slow EWMA; unknown sentiment (non-English, no coverage) does not move them.
        if (a.Confidence != SentimentConfidence.None)
        {
            if (!s.HasSentiment)
            {
                s.Sentiment = s.SentimentBaseline = a.Compound;
                s.HasSentiment = true;
            }
            else
            {
                s.Sentiment += Rules.Engagement.FastSentimentAlpha * (a.Compound - s.Sentiment);
                s.SentimentBaseline += Rules.Engagement.SlowSentimentAlpha * (a.Compound - s.SentimentBaseline);
            }
            s.PositiveStreak = a.Class switch
            {
                SentimentClass.Positive => s.PositiveStreak + 1,
                SentimentClass.Negative => 0,
                SentimentClass.Neutral => s.PositiveStreak,
                _ => throw new ArgumentOutOfRangeException(nameof(a), a.Class, "not a sentiment class"),
            };
            if (a.Compound <= Rules.Termination.AbusiveCompound)
            {
                s.RecordAbusive(now);
            }
        }

        if (a.Has(IntentKind.Complaint))
        {
            s.RecordComplaint(now);
        }
        if (a.Find(IntentKind.Cancel) is { } cancel)
        {
            s.CancelAtTicks = Math.Max(s.CancelAtTicks, now);
            if (cancel.Completed) s.ChurnedAtTicks = Math.Max(s.ChurnedAtTicks, now);
        }
        if (a.Find(IntentKind.CompetitorSwitch) is { } change)
        {
            s.SwitchAtTicks = Math.Max(s.SwitchAtTicks, now);
            if (change.Completed) s.ChurnedAtTicks = Math.Max(s.ChurnedAtTicks, now);
        }
        s.MaxFollowers = Math.Max(s.MaxFollowers, mention.Author.Followers);

        UpdateRisk(s, now);
        UpdateStage(s, now, brand);
        _detectors.Detect(s, mention, position, a, brand, now, output);
    }

    private double Decay(long elapsedTicks) => Math.Pow(0.5, (double)elapsedTicks / _halfLifeTicks);

    private void UpdateRisk(CustomerState s, long now)
    {
        var r = Rules.Retention;
        var from = now - _windowTicks;
        var complaints = s.ComplaintsSince(from, now);
        s.ComplaintsInWindow = complaints;
        var keep = 1.0;
        var reasons = RiskReasons.None;
        if (complaints > 0)
        {
            keep *= 1 - Math.Min(0.95, complaints * r.ComplaintWeight);
            reasons |= complaints >= r.RepeatedComplaints ? RiskReasons.RepeatedComplaints : RiskReasons.Complaint;
        }
        if (s.CancelAtTicks > from && s.CancelAtTicks != 0)
        {
            keep *= 1 - r.CancelWeight;
            reasons |= RiskReasons.CancelIntent;
        }
        if (s.SwitchAtTicks > from && s.SwitchAtTicks != 0)
        {
            keep *= 1 - r.CompetitorWeight;
            reasons |= RiskReasons.CompetitorSwitch;
        }
        if (s.HasSentiment && s.Sentiment <= s.SentimentBaseline - r.FallingSentimentDrop)
        {
            keep *= 1 - r.FallingSentimentWeight;
            reasons |= RiskReasons.FallingSentiment;
        }
        if (s.HasSentiment && s.Sentiment <= -0.5)
        {
            keep *= 0.9;
            reasons |= RiskReasons.NegativeSentiment;
        }
        s.RiskScore = Math.Round(1 - keep, 6);
        s.RiskReasons = reasons;
    }

    private void UpdateStage(CustomerState s, long now, ResolvedBrandRules brand)
    {
        if (s.ChurnedAtTicks != 0 && s.ChurnedAtTicks > now - _windowTicks)
        {
            s.Stage = LifecycleStage.Churned;
        }
        else if (s.IsCustomer && s.RiskScore >= brand.RetentionRiskThreshold)
        {
            s.Stage = LifecycleStage.AtRisk;
        }
        else if (CustomerDetectors.IsAdvocate(s, Rules.Advocacy))
        {
            s.Stage = LifecycleStage.Advocate;
        }
        else
        {
            s.Stage = s.IsCustomer ? LifecycleStage.Active : LifecycleStage.Prospect;
        }
    }
}
