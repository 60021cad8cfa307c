namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>The result of parsing one payload: a mention, or why it is not one.</summary>
public readonly record struct ParseOutcome(Mention? Mention, Rejection? Rejection)
{
    public bool IsValid => Mention is not null;

    public static ParseOutcome Valid(Mention mention) => new(mention, null);

    public static ParseOutcome Invalid(RejectReason reason, string detail) => new(null, new Rejection(reason, detail));
}
