using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Alerts;

/// <summary>Care-team priority: P1 is handled first.</summary>
public enum Priority : byte { P1 = 1, P2 = 2, P3 = 3, P4 = 4 }

public enum CrisisKind : byte { InfluencerNegative, ViralNegative, VolumeSpike, SentimentShift }

public enum TriggerType : byte { Retention, Acquisition, Advocacy, TerminationReview }

public static class SignalNames
{
    public static string ToWire(this Priority priority) => priority switch
    {
        Priority.P1 => "P1",
        Priority.P2 => "P2",
        Priority.P3 => "P3",
        Priority.P4 => "P4",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "not a priority"),
    };

    public static string ToWire(this CrisisKind kind) => kind switch
    {
        CrisisKind.InfluencerNegative => "influencer-negative",
        CrisisKind.ViralNegative => "viral-negative",
        CrisisKind.VolumeSpike => "volume-spike",
        CrisisKind.SentimentShift => "sentiment-shift",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a crisis kind"),
    };

    public static string ToWire(this TriggerType type) => type switch
    {
        TriggerType.Retention => "retention",
        TriggerType.Acquisition => "acquisition",
        TriggerType.Advocacy => "advocacy",
        TriggerType.TerminationReview => "termination-review",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a trigger type"),
    };

    /// <summary>Severity 1..10 to priority: 8+ P1, 6+ P2, 4+ P3, else P4.</summary>
    public static Priority FromSeverity(int severity) => severity >= 8 ? Priority.P1 : severity >= 6 ? Priority.P2 : severity >= 4 ? Priority.P3 : Priority.P4;

    /// <summary>Value tier to priority: platinum P1, gold P2, silver P3, bronze and unknown P4.</summary>
    public static Priority FromTier(ValueTier tier) => tier switch
    {
        ValueTier.Platinum => Priority.P1,
        ValueTier.Gold => Priority.P2,
        ValueTier.Silver => Priority.P3,
        ValueTier.Bronze or ValueTier.Unknown => Priority.P4,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "not a value tier"),
    };
}

/// <summary>One piece of evidence: the mention, its platform and a redacted excerpt (see <see cref="Excerpts"/>).</summary>
public sealed record Evidence(string MentionId, string Platform, string Excerpt);

/// <summary>
/// What the domain emits: a <see cref="CrisisAlert"/> or a <see cref="LifecycleTrigger"/>. Ids are
/// deterministic (<see cref="SignalIds"/>); <see cref="DetectedAt"/> is set by the domain to the firing
/// mention's event time and may be replaced by a live adapter with <c>signal with { DetectedAt = now }</c>.
/// </summary>
public abstract record DomainSignal
{
    public required string Id { get; init; }
    public required string Brand { get; init; }
    public required Priority Priority { get; init; }
    public required DateTimeOffset EventTime { get; init; }
    public required DateTimeOffset DetectedAt { get; init; }
    public required IReadOnlyList<string> Reasons { get; init; }
    public required IReadOnlyList<Evidence> Evidence { get; init; }
    /// <summary>
    /// The <see cref="Rules.RulesVersion"/> of the rules that raised it, set by whoever applied them (the live
    /// node or the replay); a replay given the same rules reproduces the signal.
    /// </summary>
    public string? RulesVersion { get; init; }

    /// <summary>Entity id of the customer concerned; null for brand-level alerts.</summary>
    public abstract string? EntityId { get; }

    public abstract SignalStream Stream { get; }

    /// <summary>The Kafka key: the entity id, or the brand for brand-level alerts.</summary>
    public string Key => EntityId ?? Brand;

    /// <summary>Deterministic UTF-8 JSON (the output contracts of topology/schemas).</summary>
    public byte[] ToJson() => AlertJson.Serialize(this);

    public string ToJsonString() => AlertJson.SerializeToString(this);

    /// <summary>The alert's kind or the trigger's type, as its JSON names it.</summary>
    public abstract string KindName { get; }

    /// <summary>The form the output ports take.</summary>
    public OutboundSignal ToOutbound() => new(Id, Brand, Stream, Key, ToJsonString(), KindName, Priority.ToWire());
}

public sealed record CrisisAlert : DomainSignal
{
    public required CrisisKind Kind { get; init; }
    /// <summary>Null for brand-level alerts (volume-spike, sentiment-shift).</summary>
    public string? Entity { get; init; }
    /// <summary>1..10.</summary>
    public required int Severity { get; init; }
    /// <summary>One plain sentence a care agent understands.</summary>
    public required string Summary { get; init; }

    public override string? EntityId => Entity;
    public override SignalStream Stream => SignalStream.CrisisAlerts;
    public override string KindName => Kind.ToWire();
}

public sealed record LifecycleTrigger : DomainSignal
{
    public required TriggerType Type { get; init; }
    public required string Entity { get; init; }
    public string? CustomerId { get; init; }
    /// <summary>Churn risk in [0, 1] at the time of the trigger.</summary>
    public required double RiskScore { get; init; }
    public required ValueTier ValueTier { get; init; }
    public required string SuggestedAction { get; init; }

    public override string? EntityId => Entity;
    public override SignalStream Stream => SignalStream.LifecycleTriggers;
    public override string KindName => Type.ToWire();
}
