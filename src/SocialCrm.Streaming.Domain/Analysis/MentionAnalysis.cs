namespace SocialCrm.Streaming.Domain.Analysis;

public enum SentimentClass : byte { Neutral, Negative, Positive }

/// <summary>How far the sentiment score can be trusted.</summary>
public enum SentimentConfidence : byte
{
    /// <summary>English text scored by the lexicon, or an upstream score.</summary>
    High,
    /// <summary>Not English, but enough tokens are English lexicon words (loanwords, emoji, emoticons) to keep the score.</summary>
    Low,
    /// <summary>Not English and too few lexicon hits: the compound is 0 and means "unknown", not "neutral".</summary>
    None,
}

public static class SentimentNames
{
    public static string ToWire(this SentimentClass value) => value switch
    {
        SentimentClass.Negative => "negative",
        SentimentClass.Positive => "positive",
        SentimentClass.Neutral => "neutral",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "not a sentiment class"),
    };

    public static string ToWire(this SentimentConfidence value) => value switch
    {
        SentimentConfidence.High => "high",
        SentimentConfidence.Low => "low",
        SentimentConfidence.None => "none",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "not a sentiment confidence"),
    };
}

/// <summary>
/// Language as far as the domain can tell cheaply: <see cref="Code"/> is the declared BCP-47 tag, else
/// "en" when the text looks English (Latin script with English function words), else "und".
/// <see cref="LexiconCoverage"/> is the share of word tokens found in the (English) lexicon.
/// </summary>
public readonly record struct LanguageInfo(string Code, bool Declared, bool IsEnglish, bool NonLatinScript, double LexiconCoverage);

/// <summary>The result of analysing one mention.</summary>
public sealed class MentionAnalysis
{
    private readonly uint _intentMask;

    public MentionAnalysis(double compound, SentimentClass sentimentClass, SentimentConfidence confidence, bool fromUpstream,
        IReadOnlyList<IntentMatch> intents, LanguageInfo language)
    {
        Compound = compound;
        Class = sentimentClass;
        Confidence = confidence;
        FromUpstream = fromUpstream;
        Intents = intents;
        Language = language;
        for (var i = 0; i < intents.Count; i++)
        {
            _intentMask |= 1u << (int)intents[i].Kind;
        }
    }

    /// <summary>Compound sentiment in [-1, 1], rounded to 4 decimals (or the upstream score).</summary>
    public double Compound { get; }
    public SentimentClass Class { get; }
    public SentimentConfidence Confidence { get; }
    /// <summary>The mention carried a <c>sentiment</c> of its own, which wins over ours.</summary>
    public bool FromUpstream { get; }
    /// <summary>At most one match per intent kind (its first occurrence), in order of <see cref="IntentKind"/>.</summary>
    public IReadOnlyList<IntentMatch> Intents { get; }
    public LanguageInfo Language { get; }

    public bool Has(IntentKind kind) => (_intentMask & (1u << (int)kind)) != 0;

    public IntentMatch? Find(IntentKind kind)
    {
        if (!Has(kind))
        {
            return null;
        }
        for (var i = 0; i < Intents.Count; i++)
        {
            if (Intents[i].Kind == kind) return Intents[i];
        }
        return null;
    }
}
