
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

public static class EngagementNames
{
    public static string ToWire(this EngagementLevel level) => level == EngagementLevel.High ? "high" : "low";

    public static string ToWire(this LifecycleStage stage) => stage switch
    {
        LifecycleStage.Active => "active",
        LifecycleStage.AtRisk => "at-risk",
        LifecycleStage.Advocate => "advocate",
        LifecycleStage.Churned => "churned",
        LifecycleStage.Prospect => "prospect",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "not a lifecycle stage"),
    };

    public static string ToWire(this Detector detector) => detector switch
    {
        Detector.InfluencerNegative => "influencer-negative",
        Detector.ViralNegative => "viral-negative",
        Detector.Retention => "retention",
        Detector.Acquisition => "acquisition",
        Detector.Advocacy => "advocacy",
        Detector.TerminationReview => "termination-review",
        _ => throw new ArgumentOutOfRangeException(nameof(detector), detector, "not a detector"),
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
