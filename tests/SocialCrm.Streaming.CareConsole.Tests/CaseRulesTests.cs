using SocialCrm.Streaming.CareConsole.Cases;

namespace SocialCrm.Streaming.CareConsole.Tests;

public sealed class CaseRulesTests
{
    private static readonly CaseSubject Subject = new("acme", "crs-00000000000000aa", "crisis", "P1", new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero), null);
    private static readonly DateTimeOffset Now = Subject.DetectedAt.AddMinutes(5);

    [Fact]
    public void A_claimed_case_cannot_be_claimed_by_another_agent()
    {
        var claimed = CaseSnapshot.After(Apply(CaseSnapshot.Untouched(Subject), new CaseCommand(CaseAction.Claim, "ana")));
        Assert.Equal((CaseState.Claimed, "ana", 1L), (claimed.State, claimed.Assignee, claimed.Version));

        var second = CaseRules.Decide(claimed, new CaseCommand(CaseAction.Claim, "ben"), Now);
        Assert.Null(second.Event);
        Assert.False(second.Incomplete);
        Assert.Equal("already claimed by ana", second.Refusal);
    }

    [Fact]
    public void Resolve_needs_an_outcome_reopen_needs_a_resolved_case_and_clears_the_assignee()
    {
        var claimed = CaseSnapshot.After(Apply(CaseSnapshot.Untouched(Subject), new CaseCommand(CaseAction.Claim, "ana")));
        Assert.True(CaseRules.Decide(claimed, new CaseCommand(CaseAction.Resolve, "ana"), Now).Incomplete);
        Assert.Equal("only a resolved case can be reopened", CaseRules.Decide(claimed, new CaseCommand(CaseAction.Reopen, "ana"), Now).Refusal);

        var resolved = CaseSnapshot.After(Apply(claimed, new CaseCommand(CaseAction.Resolve, "ana", Outcome: CaseOutcome.Retained)));
        Assert.Equal((CaseState.Resolved, "ana", CaseOutcome.Retained), (resolved.State, resolved.Assignee, resolved.Outcome));
        Assert.Equal("the case is resolved; reopen it first", CaseRules.Decide(resolved, new CaseCommand(CaseAction.Assign, "ana", Assignee: "ben"), Now).Refusal);

        var reopened = CaseSnapshot.After(Apply(resolved, new CaseCommand(CaseAction.Reopen, "ben")));
        Assert.Equal((CaseState.Open, null, null, 3L), (reopened.State, reopened.Assignee, reopened.Outcome, reopened.Version));
    }

    [Fact]
    public void A_note_keeps_the_state_and_its_event_round_trips_through_json()
    {
        var claimed = CaseSnapshot.After(Apply(CaseSnapshot.Untouched(Subject), new CaseCommand(CaseAction.Claim, "ana")));
        var note = Apply(claimed, new CaseCommand(CaseAction.Note, "ana", Note: "Called the customer; \"refund\" on its way."));
        Assert.Equal((CaseState.Claimed, "ana"), (note.State, note.Assignee));
        Assert.Equal(note, CaseJson.Parse(CaseJson.Serialize(note)));
        Assert.True(CaseRules.Decide(claimed, new CaseCommand(CaseAction.Note, "ana", Note: " "), Now).Incomplete);
    }

    [Fact]
    public void A_note_is_stored_with_the_identifiers_an_agent_pasted_in_masked()
    {
        var claimed = CaseSnapshot.After(Apply(CaseSnapshot.Untouched(Subject), new CaseCommand(CaseAction.Note, "ana", Note: "x")));
        var note = Apply(claimed, new CaseCommand(CaseAction.Note, "ana", Note: "Reached her at jöran@exämple.de, card 4111 1111 1111 1111; call back tomorrow."));
        Assert.Equal("Reached her at [email], card [card]; call back tomorrow.", note.Note);
    }

    private static CaseEvent Apply(CaseSnapshot current, CaseCommand command) =>
        CaseRules.Decide(current, command, Now).Event ?? throw new InvalidOperationException("refused");
}
