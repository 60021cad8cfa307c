using SocialCrm.Streaming.CareConsole.Cases;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>What the care console writes to its audit trail and to social.cases.events satisfies case-event.schema.json.</summary>
public sealed class CaseEventSchemaTests
{
    [Fact]
    public void Every_action_of_the_console_gives_a_case_event_the_schema_accepts()
    {
        var schema = MiniJsonSchema.Load(Repo.Schema("case-event"));
        var detected = new DateTimeOffset(2026, 11, 23, 10, 15, 0, 12, TimeSpan.Zero);
        CaseSubject[] subjects =
        [
            new("acme-air", "crs-0123456789abcdef", "crisis", "P1", detected, null),
            new("acme-air", "trg-0123456789abcdef", "retention", "P2", detected, "gold"),
        ];
        CaseCommand[] commands =
        [
            new(CaseAction.Claim, "ana"), new(CaseAction.Assign, "ana", Assignee: "ben"), new(CaseAction.Note, "ben", Note: "Called back."),
            new(CaseAction.Resolve, "ben", Outcome: CaseOutcome.NoActionNeeded), new(CaseAction.Reopen, "ana"),
        ];
        foreach (var subject in subjects)
        {
            var current = CaseSnapshot.Untouched(subject);
            foreach (var command in commands)
            {
                var change = CaseRules.Decide(current, command, detected.AddMinutes(current.Version + 1)).Event!;
                var json = CaseJson.Serialize(change);
                var errors = schema.Validate(json);
                Assert.True(errors.Count == 0, $"{json}\n{string.Join("; ", errors)}");
                current = CaseSnapshot.After(change);
            }
        }
    }
}
