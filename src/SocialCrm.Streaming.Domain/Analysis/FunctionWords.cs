namespace SocialCrm.Streaming.Domain.Analysis;

[Flags]
internal enum WordRole : ushort
{
    None = 0,
    Negation = 1,
    Booster = 2,
    But = 4,
    Least = 8,
    No = 16,
    Kind = 32,
    Of = 64,
    Never = 128,
    SoOrThis = 256,
    Without = 512,
    Doubt = 1024,
    AtOrVery = 2048,
    OrNor = 4096,
    /// <summary>A frequent English function word: evidence that undeclared text is English.</summary>
    English = 8192,
}

/// <summary>What the rules need to know about a word; <see cref="PatternSet"/> indexes the intent patterns starting with it (-1: none).</summary>
internal readonly record struct WordInfo(WordRole Roles, float Boost, short PatternSet = -1);

/// <summary>
/// The closed word classes VADER's rules refer to (negations, boosters and dampeners, "but", idiom
/// parts) plus English stop words, in one case-insensitive table looked up once per token.
/// </summary>
internal static class FunctionWords
{
    /// <summary>Booster increment and dampener decrement of the VADER paper (empirically derived).</summary>
    public const float BoosterIncrement = 0.293f;
    public const float DampenerDecrement = -0.293f;

    private static readonly string[] Negations =
    [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't", "can't",
        "couldn't", "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt",
        "neither", "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't", "neednt", "needn't",
        "never", "none", "nope", "nor", "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh",
        "wasnt", "werent", "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont",
        "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
    ];

    private static readonly string[] Boosters =
    [
        "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably", "decidedly", "deeply",
        "effing", "enormous", "enormously", "entirely", "especially", "exceptional", "exceptionally", "extreme",
        "extremely", "fabulously", "flipping", "flippin", "frackin", "fracking", "fricking", "frickin", "frigging",
        "friggin", "fully", "fuckin", "fucking", "fuggin", "fugging", "greatly", "hella", "highly", "hugely",
        "incredible", "incredibly", "intensely", "major", "majorly", "more", "most", "particularly", "purely",
        "quite", "really", "remarkably", "so", "substantially", "thoroughly", "total", "totally", "tremendous",
        "tremendously", "uber", "unbelievably", "unusually", "utter", "utterly", "very",
    ];

    private static readonly string[] Dampeners =
    [
        "almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less", "little", "marginal", "marginally",
        "occasional", "occasionally", "partly", "scarcely", "slight", "slightly", "somewhat", "sorta", "sortof", "sort-of",
    ];

    // Frequent English function words that are not also common words of other Latin-script languages
    // (so no "a", "no", "i", "me", "in", "on", "so", "do", "die").
    private static readonly string[] English =
    [
        "the", "and", "is", "are", "was", "were", "to", "of", "for", "with", "my", "your", "you", "it", "this", "that",
        "not", "but", "have", "has", "be", "we", "they", "just", "what", "why", "how", "can", "will", "at", "from",
        "don't", "did", "all", "get", "got", "again", "still", "im", "i'm", "it's", "very", "really", "thanks", "please",
        "been", "would", "should", "could", "there", "their", "about", "when", "which", "after", "because", "never",
    ];

    internal static IReadOnlyDictionary<string, WordInfo> Entries => Table;

    /// <summary>Roles of a word not in the table (contractions with n't negate).</summary>
    public static WordInfo Fallback(ReadOnlySpan<char> word) =>
        word.Length > 3 && (word.EndsWith("n't", StringComparison.OrdinalIgnoreCase) || word.EndsWith("n\u2019t", StringComparison.OrdinalIgnoreCase))
            ? new WordInfo(WordRole.Negation, 0)
            : new WordInfo(WordRole.None, 0);

    private static readonly Dictionary<string, WordInfo> Table = Build();
    private static Dictionary<string, WordInfo> Build()
    {
        var table = new Dictionary<string, WordInfo>(256, StringComparer.OrdinalIgnoreCase);
        void Add(string word, WordRole role, float boost = 0)
        {
            var existing = table.GetValueOrDefault(word);
            table[word] = new WordInfo(existing.Roles | role, boost != 0 ? boost : existing.Boost);
            if (word.Contains('\''))
            {
                Add(word.Replace('\'', '\u2019'), role, boost);
            }
        }
        foreach (var w in Negations) Add(w, WordRole.Negation);
        foreach (var w in Boosters) Add(w, WordRole.Booster, BoosterIncrement);
        foreach (var w in Dampeners) Add(w, WordRole.Booster, DampenerDecrement);
        foreach (var w in English) Add(w, WordRole.English);
        Add("but", WordRole.But);
        Add("least", WordRole.Least);
        Add("no", WordRole.No);
        Add("kind", WordRole.Kind);
        Add("sort", WordRole.Kind);
        Add("of", WordRole.Of);
        Add("never", WordRole.Never);
        Add("so", WordRole.SoOrThis);
        Add("this", WordRole.SoOrThis);
        Add("without", WordRole.Without);
        Add("doubt", WordRole.Doubt);
        Add("at", WordRole.AtOrVery);
        Add("very", WordRole.AtOrVery);
        Add("or", WordRole.OrNor);
        Add("nor", WordRole.OrNor);
        return table;
    }
}
