using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>The domain's own serializer (AlertJson) produces what the output schemas describe.</summary>
public sealed class DomainOutputSchemaTests
{
    private static readonly DateTimeOffset Event = new(2026, 11, 23, 10, 15, 0, TimeSpan.Zero);

    private static IReadOnlyList<Evidence> SomeEvidence() =>
    [
        new("1790012345678901234", "x", Excerpts.Make("Cancel my account now, mail jane.doe@example.com or call +1 415 555 0100!")),
        new("rv-1", "review", Excerpts.Make("Worst airline ever.")),
    ];

    public static TheoryData<string> AlertKinds => [.. Enum.GetValues<CrisisKind>().Select(k => k.ToString())];

    [Theory]
    [MemberData(nameof(AlertKinds))]
    public void AlertJson_crisis_alerts_satisfy_the_crisis_alert_schema(string kind)
    {
        var schema = MiniJsonSchema.Load(Repo.Schema("crisis-alert"));
        foreach (var entity in new[] { "acme-air:C-1", null })
        {
            foreach (var severity in new[] { 1, 7, 10 })
            {
                var alert = new CrisisAlert
                {
                    Id = SignalIds.ForAlert("influencer", entity ?? "acme-air", "p3@42"),
                    Brand = "acme-air",
                    Kind = Enum.Parse<CrisisKind>(kind),
                    Entity = entity,
                    Severity = severity,
                    Priority = SignalNames.FromSeverity(severity),
                    Summary = "Something is happening.",
                    Reasons = ["negative sentiment -0.8"],
                    Evidence = SomeEvidence(),
                    EventTime = Event,
                    DetectedAt = Event.AddMilliseconds(12),
                };
                var errors = schema.Validate(alert.ToJsonString());
                Assert.True(errors.Count == 0, $"{alert.ToJsonString()}\n{string.Join("; ", errors)}");
            }
        }
    }

    [Fact]
    public void AlertJson_lifecycle_triggers_satisfy_the_lifecycle_trigger_schema()
    {
        var schema = MiniJsonSchema.Load(Repo.Schema("lifecycle-trigger"));
        foreach (var type in Enum.GetValues<TriggerType>())
        {
            foreach (var tier in Enum.GetValues<ValueTier>())
            {
                var trigger = new LifecycleTrigger
                {
                    Id = "trg-0123456789abcdef",
                    Brand = "acme-air",
                    Type = type,
                    Entity = tier == ValueTier.Unknown ? "acme-air:x:u-1" : "acme-air:C-1",
                    CustomerId = tier == ValueTier.Unknown ? null : "C-1",
                    RiskScore = 0.123456789,
                    ValueTier = tier,
                    SuggestedAction = "Call back.",
                    Priority = SignalNames.FromTier(tier),
                    Reasons = ["cancel intent"],
                    Evidence = SomeEvidence(),
                    EventTime = Event,
                    DetectedAt = Event,
                };
                var errors = schema.Validate(trigger.ToJsonString());
                Assert.True(errors.Count == 0, $"{trigger.ToJsonString()}\n{string.Join("; ", errors)}");
            }
        }
    }
}
