namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>Where the work on one alert or trigger stands. An alert nobody has touched is <see cref="Open"/>.</summary>
public enum CaseState : byte { Open, Claimed, Resolved }

public enum CaseAction : byte { Claim, Assign, Note, Resolve, Reopen }

/// <summary>How a resolved case ended; the KPIs count resolutions by it.</summary>
public enum CaseOutcome : byte { Responded, Escalated, Retained, Churned, NoActionNeeded }

public static class CaseNames
{
    public static string ToWire(this CaseState state) => state switch
    {
        CaseState.Open => "open",
        CaseState.Claimed => "claimed",
        CaseState.Resolved => "resolved",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string ToWire(this CaseAction action) => action switch
    {
        CaseAction.Claim => "claim",
        CaseAction.Assign => "assign",
        CaseAction.Note => "note",
        CaseAction.Resolve => "resolve",
        CaseAction.Reopen => "reopen",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static string ToWire(this CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Responded => "responded",
        CaseOutcome.Escalated => "escalated",
        CaseOutcome.Retained => "retained",
        CaseOutcome.Churned => "churned",
        CaseOutcome.NoActionNeeded => "no-action-needed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static readonly IReadOnlyList<CaseState> States = Enum.GetValues<CaseState>();
    public static readonly IReadOnlyList<CaseAction> Actions = Enum.GetValues<CaseAction>();
    public static readonly IReadOnlyList<CaseOutcome> Outcomes = Enum.GetValues<CaseOutcome>();

    public static bool TryParseState(string? text, out CaseState state) => TryParse(States, text, s => s.ToWire(), out state);

    public static bool TryParseAction(string? text, out CaseAction action) => TryParse(Actions, text, a => a.ToWire(), out action);

    public static bool TryParseOutcome(string? text, out CaseOutcome outcome) => TryParse(Outcomes, text, o => o.ToWire(), out outcome);

    private static bool TryParse<T>(IReadOnlyList<T> values, string? text, Func<T, string> wire, out T value) where T : struct
    {
        foreach (var candidate in values)
        {
            if (string.Equals(wire(candidate), text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}

/// <summary>What the console knows of the alert or trigger a case is about (copied from its JSON at the first action).</summary>
/// <param name="SignalType"><c>crisis</c> for alerts, the trigger type (<c>retention</c>, ...) for triggers.</param>
/// <param name="ValueTier">The trigger's value tier; null for alerts and unknown tiers.</param>
public sealed record CaseSubject(string Brand, string SignalId, string SignalType, string Priority, DateTimeOffset DetectedAt, string? ValueTier);

/// <summary>One change to a case: the audit trail entry, the live message and the downstream record are this.</summary>
/// <param name="Version">1 for the first change of a case, one more for each change after.</param>
/// <param name="State">The state after the change.</param>
/// <param name="Assignee">The assignee after the change (null: nobody).</param>
/// <param name="Outcome">The outcome after the change (set while resolved).</param>
/// <param name="Note">The note's text, for <see cref="CaseAction.Note"/> only.</param>
public sealed record CaseEvent(
    CaseSubject Subject, long Version, CaseAction Action, string Actor, DateTimeOffset At,
    CaseState State, string? Assignee, CaseOutcome? Outcome, string? Note)
{
    public string EventId => $"{Subject.SignalId}:{Version}";
}

/// <summary>The current state of a case: its last event, or nothing yet.</summary>
public sealed record CaseSnapshot(CaseSubject Subject, long Version, CaseState State, string? Assignee, CaseOutcome? Outcome, DateTimeOffset? UpdatedAt)
{
    public static CaseSnapshot Untouched(CaseSubject subject) => new(subject, 0, CaseState.Open, null, null, null);

    public static CaseSnapshot After(CaseEvent change) => new(change.Subject, change.Version, change.State, change.Assignee, change.Outcome, change.At);
}
