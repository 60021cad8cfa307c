namespace SocialCrm.Streaming.Domain.Analysis;

public enum IntentKind : byte
{
    /// <summary>Wants to cancel or close (or has cancelled: <see cref="IntentMatch.Completed"/>).</summary>
    Cancel,
    /// <summary>Churn towards a competitor: "switching to X", "moving to X", "going with X".</summary>
    CompetitorSwitch,
    /// <summary>Came from a competitor: "switched from X", "left X for you". Not churn.</summary>
    CompetitorWin,
    Complaint,
    /// <summary>Praise or recommendation.</summary>
    Praise,
    /// <summary>Purchase intent: "where can I buy", "want to buy", "how much".</summary>
    Purchase,
    /// <summary>A question or a request for help.</summary>
    Question,
}

public static class IntentNames
{
    public static string ToWire(this IntentKind kind) => kind switch
    {
        IntentKind.Cancel => "cancel",
        IntentKind.CompetitorSwitch => "competitor-switch",
        IntentKind.CompetitorWin => "competitor-win",
        IntentKind.Complaint => "complaint",
        IntentKind.Praise => "praise",
        IntentKind.Purchase => "purchase",
        IntentKind.Question => "question",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an intent kind"),
    };
}

/// <summary>
/// One detected intent and its evidence: <c>Text == mention.Text.Substring(Start, Length)</c>, made only when read
/// (the hot path reads the kind; replays and reports read the evidence).
/// <see cref="Completed"/> marks a done deed ("I cancelled", "switched to X") rather than an intention.
/// <see cref="Competitor"/> names the competitor matched, if any.
/// </summary>
public sealed record IntentMatch
{
    /// <summary>The analysed text the evidence is a part of.</summary>
    private readonly string _analysed;

    public IntentMatch(IntentKind kind, string analysed, int start, int length, bool completed = false, string? competitor = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, analysed.Length - start);
        Kind = kind;
        _analysed = analysed;
        Start = start;
        Length = length;
        Completed = completed;
        Competitor = competitor;
    }

    public IntentKind Kind { get; }
    public int Start { get; }
    public int Length { get; }
    public bool Completed { get; }
    public string? Competitor { get; }

    /// <summary>The evidence.</summary>
    public string Text => _analysed.Substring(Start, Length);

    public string Name => Kind.ToWire();
}
