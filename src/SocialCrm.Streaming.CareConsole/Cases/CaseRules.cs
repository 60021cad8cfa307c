using SocialCrm.Streaming.Domain.Privacy;

namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>A change an agent asks for: the action and its argument (assignee, note text or outcome).</summary>
public sealed record CaseCommand(CaseAction Action, string Actor, string? Assignee = null, string? Note = null, CaseOutcome? Outcome = null);

/// <summary>
/// The case's answer to a command: the event to store, or why it cannot be done — because the command
/// itself is incomplete (<see cref="Incomplete"/>) or because of where the case stands (a conflict).
/// </summary>
public sealed record CaseDecision(CaseEvent? Event, string? Refusal, bool Incomplete = false)
{
    public static CaseDecision Refuse(string why) => new(null, why);

    public static CaseDecision Reject(string why) => new(null, why, Incomplete: true);
}

/// <summary>
/// The rules of case work, pure: claim only what nobody holds, assign and resolve only what is not
/// resolved, reopen only what is, note anything. The store applies the event only if the case is still
/// at the version the decision was made on, so two agents claiming at once cannot both win.
/// </summary>
public static class CaseRules
{
    public const int MaxNoteLength = 2_000;

    public static CaseDecision Decide(CaseSnapshot current, CaseCommand command, DateTimeOffset now)
    {
        var (state, assignee, outcome) = (current.State, current.Assignee, current.Outcome);
        switch (command.Action)
        {
            case CaseAction.Claim:
                if (current.State == CaseState.Resolved)
                {
                    return CaseDecision.Refuse("the case is resolved; reopen it first");
                }
                if (current.Assignee is not null)
                {
                    return CaseDecision.Refuse(current.Assignee == command.Actor ? "you hold this case already" : $"already claimed by {current.Assignee}");
                }
                (state, assignee) = (CaseState.Claimed, command.Actor);
                break;
            case CaseAction.Assign:
                if (current.State == CaseState.Resolved)
                {
                    return CaseDecision.Refuse("the case is resolved; reopen it first");
                }
                if (string.IsNullOrWhiteSpace(command.Assignee))
                {
                    return CaseDecision.Reject("name the teammate to assign the case to");
                }
                (state, assignee) = (CaseState.Claimed, command.Assignee);
                break;
            case CaseAction.Note:
                if (string.IsNullOrWhiteSpace(command.Note) || command.Note.Length > MaxNoteLength)
                {
                    return CaseDecision.Reject($"a note has 1 to {MaxNoteLength} characters");
                }
                break;
            case CaseAction.Resolve:
                if (current.State == CaseState.Resolved)
                {
                    return CaseDecision.Refuse("the case is resolved already");
                }
                if (command.Outcome is null)
                {
                    return CaseDecision.Reject("say how the case ended (an outcome)");
                }
                (state, outcome) = (CaseState.Resolved, command.Outcome);
                break;
            case CaseAction.Reopen:
                if (current.State != CaseState.Resolved)
                {
                    return CaseDecision.Refuse("only a resolved case can be reopened");
                }
                (state, assignee, outcome) = (CaseState.Open, null, null);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.Action, null);
        }
        // A note is stored in the audit trail and published to the case topic: identifiers an agent pastes in are masked first.
        var note = command.Action == CaseAction.Note && command.Note is { } text ? TextRedactor.Redact(text) : null;
        return new CaseDecision(new CaseEvent(current.Subject, current.Version + 1, command.Action, command.Actor, now, state, assignee, outcome, note), null);
    }
}
