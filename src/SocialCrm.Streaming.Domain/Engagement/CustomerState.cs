using System.Globalization;
using System.Runtime.CompilerServices;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Engagement;

public enum EngagementLevel : byte { Low, High }

public enum LifecycleStage : byte { Prospect, Active, AtRisk, Advocate, Churned }

/// <summary>Why the churn risk is what it is (the reasons of a retention trigger).</summary>
[Flags]
public enum RiskReasons : ushort
{
    None = 0,
    Complaint = 1,
    RepeatedComplaints = 2,
    CancelIntent = 4,
    CompetitorSwitch = 8,
    FallingSentiment = 16,
    NegativeSentiment = 32,
}

/// <summary>The detectors with a per-entity cool-down.</summary>
public enum Detector : byte { InfluencerNegative, ViralNegative, Retention, Acquisition, Advocacy, TerminationReview }

[InlineArray(6)]
internal struct CooldownBuffer
{
    private long _element;
}

public static class EngagementNames
{
    public static string ToWire(this EngagementLevel level) => level == EngagementLevel.High ? "high" : "low";

    public static string ToWire(this LifecycleStage stage) => stage switch
    {
        LifecycleStage.Active => "active",
        LifecycleStage.AtRisk => "at-risk",
        LifecycleStage.Advocate => "advocate",
        LifecycleStage.Churned => "churned",
        _ => "prospect",
    };

    public static string ToWire(this Detector detector) => detector switch
    {
        Detector.InfluencerNegative => "influencer-negative",
        Detector.ViralNegative => "viral-negative",
        Detector.Retention => "retention",
        Detector.Acquisition => "acquisition",
        Detector.Advocacy => "advocacy",
        _ => "termination-review",
    };

    private static readonly (RiskReasons Flag, string Wire)[] ReasonNames =
    [
        (RiskReasons.Complaint, "complaint"),
        (RiskReasons.RepeatedComplaints, "repeated-complaints"),
        (RiskReasons.CancelIntent, "cancel-intent"),
        (RiskReasons.CompetitorSwitch, "competitor-switch"),
        (RiskReasons.FallingSentiment, "falling-sentiment"),
        (RiskReasons.NegativeSentiment, "negative-sentiment"),
    ];

    /// <summary>The reason codes in a fixed order.</summary>
    public static IReadOnlyList<string> ToWire(this RiskReasons reasons)
    {
        var list = new List<string>(4);
        foreach (var (flag, wire) in ReasonNames)
        {
            if ((reasons & flag) != 0) list.Add(wire);
        }
        return list;
    }

    internal static bool TryParseStage(string? value, out LifecycleStage stage)
    {
        LifecycleStage? parsed = value switch
        {
            "prospect" => LifecycleStage.Prospect,
            "active" => LifecycleStage.Active,
            "at-risk" => LifecycleStage.AtRisk,
            "advocate" => LifecycleStage.Advocate,
            "churned" => LifecycleStage.Churned,
            _ => null,
        };
        stage = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }
}

/// <summary>
/// The engagement state of one customer (or prospect), mutated only by <see cref="EngagementEngine"/>.
/// Compact: primitive fields and inline fixed-size windows, no per-mention collections (a few hundred
/// bytes per entity). Times are event times in UTC ticks (0 = never).
/// </summary>
public sealed class CustomerState
{
    private int _wmPartition = -1;
    private long _wmOffset = -1;
    private Dictionary<int, long>? _wmOthers;
    internal TimeWindow Complaints;
    internal TimeWindow Abusive;
    internal CooldownBuffer LastFired;

    private CustomerState(EntityId id)
    {
        Id = id;
    }

    public static CustomerState New(EntityId id) => new(id);

    public EntityId Id { get; }

    /// <summary>Mentions applied, exact (each source position at most once).</summary>
    public long MentionsApplied { get; internal set; }

    /// <summary>Time-decayed engagement score as of <see cref="ScoreAtTicks"/>.</summary>
    public double EngagementScore { get; internal set; }
    internal long ScoreAtTicks { get; set; }
    public EngagementLevel Level { get; internal set; }
    public LifecycleStage Stage { get; internal set; }

    /// <summary>Short-term sentiment (EWMA of compound scores).</summary>
    public double Sentiment { get; internal set; }
    /// <summary>Long-term sentiment baseline (slow EWMA); <see cref="SentimentTrend"/> = short - long.</summary>
    public double SentimentBaseline { get; internal set; }
    internal bool HasSentiment { get; set; }
    public double SentimentTrend => Sentiment - SentimentBaseline;

    public double RiskScore { get; internal set; }
    public RiskReasons RiskReasons { get; internal set; }
    /// <summary>Complaints within the window at the last applied mention.</summary>
    public int ComplaintsInWindow { get; internal set; }
    internal int PositiveStreak { get; set; }
    internal long CancelAtTicks { get; set; }
    internal long SwitchAtTicks { get; set; }
    internal long ChurnedAtTicks { get; set; }

    /// <summary>Reach: the largest follower count seen.</summary>
    public long MaxFollowers { get; internal set; }
    public ValueTier ValueTier { get; internal set; }
    public double Clv { get; internal set; }
    public string? Segment { get; internal set; }
    /// <summary>consent.processing of the CRM profile; true until a profile says otherwise.</summary>
    public bool ConsentProcessing { get; internal set; } = true;
    /// <summary>A known customer (mention with customerId, or a profile), not a prospect.</summary>
    public bool IsCustomer { get; internal set; }
    public bool HasProfile { get; internal set; }

    /// <summary>Latest event time seen (UTC ticks, 0 = none).</summary>
    internal long LastMentionTicks { get; set; }
    /// <summary>Event time of the last applied mention (UTC ticks, 0 = none).</summary>
    internal long UpdatedTicks { get; set; }

    public DateTimeOffset? LastMentionAt => LastMentionTicks == 0 ? null : new DateTimeOffset(LastMentionTicks, TimeSpan.Zero);
    public DateTimeOffset? UpdatedAt => UpdatedTicks == 0 ? null : new DateTimeOffset(UpdatedTicks, TimeSpan.Zero);

    /// <summary>Advocacy score for the leaderboard: positive sentiment x engagement x log reach (0 when not positive).</summary>
    public double AdvocacyScore =>
        Sentiment <= 0 || !ConsentProcessing ? 0 : Math.Round(Sentiment * EngagementScore * Math.Log10(10 + MaxFollowers), 4);

    /// <summary>True when the mention at <paramref name="position"/> was already applied (applied-offset watermark).</summary>
    public bool IsApplied(SourcePosition position)
    {
        if (position.Partition == _wmPartition) return position.Offset <= _wmOffset;
        return _wmOthers is not null && _wmOthers.TryGetValue(position.Partition, out var offset) && position.Offset <= offset;
    }

    /// <summary>The watermark per partition, ordered by partition.</summary>
    public IReadOnlyList<KeyValuePair<int, long>> Watermarks
    {
        get
        {
            var list = new List<KeyValuePair<int, long>>(1 + (_wmOthers?.Count ?? 0));
            if (_wmPartition >= 0) list.Add(new(_wmPartition, _wmOffset));
            if (_wmOthers is not null) list.AddRange(_wmOthers);
            list.Sort((a, b) => a.Key.CompareTo(b.Key));
            return list;
        }
    }

    internal void MarkApplied(SourcePosition position)
    {
        if (_wmPartition < 0 || position.Partition == _wmPartition)
        {
            _wmPartition = position.Partition;
            _wmOffset = Math.Max(_wmOffset, position.Offset);
            return;
        }
        _wmOthers ??= [];
        _wmOthers[position.Partition] = Math.Max(_wmOthers.GetValueOrDefault(position.Partition, -1), position.Offset);
    }

    internal long GetLastFired(Detector detector) => LastFired[(int)detector];

    internal void SetLastFired(Detector detector, long ticks) => LastFired[(int)detector] = ticks;

    /// <summary>Forgets everything about the customer except the watermark (which is not personal data and keeps replays exactly-once).</summary>
    internal void Forget()
    {
        MentionsApplied = 0;
        EngagementScore = 0;
        ScoreAtTicks = 0;
        Level = EngagementLevel.Low;
        Stage = LifecycleStage.Prospect;
        Sentiment = SentimentBaseline = 0;
        HasSentiment = false;
        RiskScore = 0;
        RiskReasons = RiskReasons.None;
        ComplaintsInWindow = 0;
        PositiveStreak = 0;
        CancelAtTicks = SwitchAtTicks = ChurnedAtTicks = 0;
        MaxFollowers = 0;
        ValueTier = ValueTier.Unknown;
        Clv = 0;
        Segment = null;
        ConsentProcessing = true;
        IsCustomer = false;
        HasProfile = false;
        LastMentionTicks = UpdatedTicks = 0;
        Complaints.Clear();
        Abusive.Clear();
        LastFired = default;
    }

    /// <summary>Clears what processing derived about the person (consent withdrawn); counts, tier and watermark stay.</summary>
    internal void ClearPersonalInsights()
    {
        Sentiment = SentimentBaseline = 0;
        HasSentiment = false;
        RiskScore = 0;
        RiskReasons = RiskReasons.None;
        ComplaintsInWindow = 0;
        PositiveStreak = 0;
        CancelAtTicks = SwitchAtTicks = ChurnedAtTicks = 0;
        MaxFollowers = 0;
        Complaints.Clear();
        Abusive.Clear();
        LastFired = default;
        Stage = IsCustomer ? LifecycleStage.Active : LifecycleStage.Prospect;
    }

    // ---- snapshot (Redis hash fields) ----

    /// <summary>Prefix of the fields beyond DESIGN.md's list that an exact restore needs.</summary>
    public const string ExtraPrefix = "x:";
    public const string WatermarkPrefix = "wm:";

    /// <summary>
    /// The Redis hash fields (DESIGN.md): mentions, score, level, stage, sentiment, riskScore, complaints,
    /// lastMentionAt, valueTier, updatedAt, <c>wm:{partition}</c>, and <c>x:*</c> fields for an exact restore.
    /// Numbers are invariant and round-trippable; times are RFC 3339 UTC with full precision.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToSnapshotFields()
    {
        var f = new List<KeyValuePair<string, string>>(32)
        {
            new("mentions", I(MentionsApplied)),
            new("score", D(EngagementScore)),
            new("level", Level.ToWire()),
            new("stage", Stage.ToWire()),
            new("sentiment", D(Sentiment)),
            new("riskScore", D(RiskScore)),
            new("complaints", I(ComplaintsInWindow)),
            new("lastMentionAt", LastMentionTicks == 0 ? "" : AlertJson.FormatTime(new DateTimeOffset(LastMentionTicks, TimeSpan.Zero))),
            new("valueTier", ValueTier.ToWire()),
            new("updatedAt", UpdatedTicks == 0 ? "" : AlertJson.FormatTime(new DateTimeOffset(UpdatedTicks, TimeSpan.Zero))),
        };
        foreach (var (partition, offset) in Watermarks)
        {
            f.Add(new(WatermarkPrefix + I(partition), I(offset)));
        }
        f.Add(new("x:scoreAt", I(ScoreAtTicks)));
        f.Add(new("x:sentimentBaseline", D(SentimentBaseline)));
        f.Add(new("x:hasSentiment", HasSentiment ? "1" : "0"));
        f.Add(new("x:riskReasons", I((int)RiskReasons)));
        f.Add(new("x:positiveStreak", I(PositiveStreak)));
        f.Add(new("x:cancelAt", I(CancelAtTicks)));
        f.Add(new("x:switchAt", I(SwitchAtTicks)));
        f.Add(new("x:churnedAt", I(ChurnedAtTicks)));
        f.Add(new("x:followers", I(MaxFollowers)));
        f.Add(new("x:clv", D(Clv)));
        f.Add(new("x:segment", Segment ?? ""));
        f.Add(new("x:consent", ConsentProcessing ? "1" : "0"));
        f.Add(new("x:customer", IsCustomer ? "1" : "0"));
        f.Add(new("x:profile", HasProfile ? "1" : "0"));
        f.Add(new("x:lastMentionTicks", I(LastMentionTicks)));
        f.Add(new("x:updatedTicks", I(UpdatedTicks)));
        f.Add(new("x:complaintTimes", Complaints.Serialize()));
        f.Add(new("x:abusiveTimes", Abusive.Serialize()));
        for (var d = Detector.InfluencerNegative; d <= Detector.TerminationReview; d++)
        {
            f.Add(new("x:cd:" + d.ToWire(), I(LastFired[(int)d])));
        }
        return f;
    }

    /// <summary>Restores a state written by <see cref="ToSnapshotFields"/>; missing fields take their defaults. Throws <see cref="FormatException"/> on malformed values.</summary>
    public static CustomerState FromSnapshot(EntityId id, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var s = new CustomerState(id);
        foreach (var (key, value) in fields)
        {
            if (key.StartsWith(WatermarkPrefix, StringComparison.Ordinal))
            {
                s.MarkApplied(new SourcePosition(int.Parse(key.AsSpan(WatermarkPrefix.Length), NumberStyles.Integer, CultureInfo.InvariantCulture), L(value)));
                continue;
            }
            if (key.StartsWith("x:cd:", StringComparison.Ordinal))
            {
                for (var d = Detector.InfluencerNegative; d <= Detector.TerminationReview; d++)
                {
                    if (key.AsSpan(5).SequenceEqual(d.ToWire())) s.LastFired[(int)d] = L(value);
                }
                continue;
            }
            switch (key)
            {
                case "mentions": s.MentionsApplied = L(value); break;
                case "score": s.EngagementScore = P(value); break;
                case "level": s.Level = value == "high" ? EngagementLevel.High : EngagementLevel.Low; break;
                case "stage":
                    if (!EngagementNames.TryParseStage(value, out var stage)) throw new FormatException($"stage '{value}' is unknown");
                    s.Stage = stage;
                    break;
                case "sentiment": s.Sentiment = P(value); break;
                case "riskScore": s.RiskScore = P(value); break;
                case "complaints": s.ComplaintsInWindow = (int)L(value); break;
                case "valueTier":
                    if (!ValueTierNames.TryParse(value, out var tier)) throw new FormatException($"valueTier '{value}' is unknown");
                    s.ValueTier = tier;
                    break;
                case "x:scoreAt": s.ScoreAtTicks = L(value); break;
                case "x:sentimentBaseline": s.SentimentBaseline = P(value); break;
                case "x:hasSentiment": s.HasSentiment = value == "1"; break;
                case "x:riskReasons": s.RiskReasons = (RiskReasons)L(value); break;
                case "x:positiveStreak": s.PositiveStreak = (int)L(value); break;
                case "x:cancelAt": s.CancelAtTicks = L(value); break;
                case "x:switchAt": s.SwitchAtTicks = L(value); break;
                case "x:churnedAt": s.ChurnedAtTicks = L(value); break;
                case "x:followers": s.MaxFollowers = L(value); break;
                case "x:clv": s.Clv = P(value); break;
                case "x:segment": s.Segment = value.Length == 0 ? null : value; break;
                case "x:consent": s.ConsentProcessing = value != "0"; break;
                case "x:customer": s.IsCustomer = value == "1"; break;
                case "x:profile": s.HasProfile = value == "1"; break;
                case "x:lastMentionTicks": s.LastMentionTicks = L(value); break;
                case "x:updatedTicks": s.UpdatedTicks = L(value); break;
                case "x:complaintTimes": s.Complaints = TimeWindow.Parse(value); break;
                case "x:abusiveTimes": s.Abusive = TimeWindow.Parse(value); break;
                case "lastMentionAt":
                    if (value.Length > 0 && s.LastMentionTicks == 0) s.LastMentionTicks = DateTimeOffset.Parse(value, CultureInfo.InvariantCulture).UtcTicks;
                    break;
                case "updatedAt":
                    if (value.Length > 0 && s.UpdatedTicks == 0) s.UpdatedTicks = DateTimeOffset.Parse(value, CultureInfo.InvariantCulture).UtcTicks;
                    break;
                default: break; // unknown fields (written by a newer version) are ignored
            }
        }
        return s;
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string D(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static long L(string value) => long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double P(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
}
