namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// Phrase patterns of intents, matched on word tokens (case-insensitive, punctuation-insensitive).
/// A pattern element <c>{competitor}</c> matches any of the brand's competitor names. Patterns are
/// indexed by their first word, so matching costs one hash lookup per token.
/// </summary>
internal sealed class IntentCatalog
{
    internal const string CompetitorSlot = "{competitor}";

    internal sealed record Pattern(IntentKind Kind, string[] Words, bool Completed, bool Guarded);

    private readonly Dictionary<string, Pattern[]> _byFirstWord;
    private readonly Dictionary<string, Pattern[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public static IntentCatalog Default { get; } = new(DefaultPatterns());

    public IntentCatalog(IEnumerable<Pattern> patterns)
    {
        var grouped = new Dictionary<string, List<Pattern>>(StringComparer.OrdinalIgnoreCase);
        foreach (var pattern in patterns)
        {
            foreach (var variant in ApostropheVariants(pattern))
            {
                if (!grouped.TryGetValue(variant.Words[0], out var list))
                {
                    grouped[variant.Words[0]] = list = [];
                }
                list.Add(variant);
            }
        }
        // Longer patterns first: "close my account" before "close".
        _byFirstWord = grouped.ToDictionary(g => g.Key, g => g.Value.OrderByDescending(p => p.Words.Length).ToArray(), StringComparer.OrdinalIgnoreCase);
        _lookup = _byFirstWord.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    internal IReadOnlyDictionary<string, Pattern[]> ByFirstWord => _byFirstWord;

    public bool TryGet(ReadOnlySpan<char> firstWord, out Pattern[] patterns)
    {
        if (_lookup.TryGetValue(firstWord, out var found))
        {
            patterns = found;
            return true;
        }
        patterns = [];
        return false;
    }

    private static IEnumerable<Pattern> ApostropheVariants(Pattern pattern)
    {
        yield return pattern;
        if (pattern.Words.Any(w => w.Contains('\'')))
        {
            yield return pattern with { Words = [.. pattern.Words.Select(w => w.Replace('\'', '\u2019'))] };
        }
    }

    private static IEnumerable<Pattern> DefaultPatterns()
    {
        IEnumerable<Pattern> Of(IntentKind kind, bool completed, bool guarded, params string[] phrases) =>
            phrases.Select(p => new Pattern(kind, p.Split(' ', StringSplitOptions.RemoveEmptyEntries), completed, guarded));

        var c = CompetitorSlot;
        return
        [
            .. Of(IntentKind.Cancel, false, true,
                "cancel my", "cancelling my", "canceling my", "cancel the subscription", "cancel this subscription",
                "am cancelling", "am canceling", "i'm cancelling", "i'm canceling", "im cancelling", "im canceling",
                "want to cancel", "wanna cancel", "going to cancel", "gonna cancel", "will cancel", "i'll cancel", "about to cancel",
                "thinking of cancelling", "thinking about cancelling", "thinking of canceling", "how do i cancel", "how to cancel",
                "cancellation", "close my account", "closing my account", "terminate my", "terminating my", "end my subscription",
                "ending my subscription", "end my contract", "unsubscribe", "unsubscribing", "done with you", "i'm leaving",
                "im leaving", "i am leaving", "leaving you", "get rid of my", "want out of my contract", "port my number",
                "stop my subscription", "stop my membership", "never buying", "never buy from", "never again"),
            .. Of(IntentKind.Cancel, true, true,
                "i cancelled", "i canceled", "i've cancelled", "i've canceled", "i have cancelled", "i have canceled",
                "just cancelled my", "just canceled my", "cancelled my subscription", "canceled my subscription",
                "cancelled my account", "canceled my account", "cancelled my contract", "canceled my contract",
                "cancelled my membership", "canceled my membership", "closed my account", "terminated my",
                "ended my subscription", "i quit", "i left you", "i'm done with", "im done with", "i am done with"),
            .. Of(IntentKind.CompetitorSwitch, false, true,
                $"switching to {c}", $"switch to {c}", $"moving to {c}", $"move to {c}", $"going with {c}",
                $"going to {c}", $"go with {c}", $"changing to {c}", $"change to {c}", $"porting to {c}",
                $"leaving you for {c}", $"leaving for {c}", $"trying {c} instead", $"{c} is better", $"{c} is cheaper",
                $"{c} does it better", $"sign up with {c}", $"signing up with {c}",
                "switching to another", "switching providers", "switch providers", "moving to another",
                "going to a competitor", "switching to a competitor", "find another provider", "looking for another provider"),
            .. Of(IntentKind.CompetitorSwitch, true, true,
                $"switched to {c}", $"moved to {c}", $"went with {c}", $"changed to {c}", $"ported to {c}", $"signed up with {c}",
                $"left you for {c}"),
            .. Of(IntentKind.CompetitorWin, false, false,
                $"switched from {c}", $"switching from {c}", $"moved from {c}", $"moving from {c}", $"left {c} for",
                $"leaving {c} for", $"came from {c}", $"coming from {c}", $"better than {c}", $"ditched {c}",
                $"dumped {c}", $"changed from {c}", $"ported from {c}"),
            .. Of(IntentKind.Complaint, false, true,
                "complaint", "complain", "complaining", "not working", "doesn't work", "doesnt work", "does not work",
                "stopped working", "isn't working", "broken", "refund", "overcharged", "charged twice", "double charged",
                "still waiting", "never received", "never arrived", "hasn't arrived", "no response", "no reply",
                "unacceptable", "ripped off", "rip off", "rip-off", "scam", "fix this", "waste of money", "worst",
                "terrible", "awful", "horrible", "useless", "disappointed", "disappointing", "outage", "down again",
                "on hold", "hung up", "poor service", "bad service", "rude", "faulty", "defective", "damaged", "late again",
                "fed up", "sick of", "ridiculous", "shocking"),
            .. Of(IntentKind.Praise, false, true,
                "love", "loving", "loved", "recommend", "recommended", "highly recommend", "thank you", "thanks",
                "amazing", "awesome", "excellent", "fantastic", "brilliant", "great service", "great job", "great support",
                "best", "well done", "kudos", "shout out", "shoutout", "impressed", "superb", "outstanding", "perfect",
                "5 stars", "five stars", "top notch", "lifesaver", "you rock"),
            .. Of(IntentKind.Purchase, false, true,
                "where can i buy", "where can i get", "where to buy", "where do i buy", "want to buy", "wanna buy",
                "looking to buy", "planning to buy", "going to buy", "thinking of buying", "thinking about buying",
                "interested in buying", "how much", "price of", "pricing", "how do i order", "can i order", "how to order",
                "is it in stock", "in stock", "do you ship", "do you deliver", "sign up", "how do i sign up",
                "how do i subscribe", "want to subscribe", "take my money", "need to buy", "shut up and take my money",
                "any discount", "discount code", "promo code", "best plan", "free trial"),
            .. Of(IntentKind.Question, false, false,
                "can you help", "can anyone help", "help me", "need help", "please help", "please advise", "how do i",
                "how can i", "how to", "anyone know", "does anyone know", "is there a way", "what is the", "why is my",
                "why does my", "why can't i", "who do i contact", "who can i talk to", "dm me", "any update"),
        ];
    }
}
