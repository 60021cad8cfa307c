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

internal readonly record struct WordInfo(WordRole Roles, float Boost);

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

    private static readonly string[] English =
    [
        "the", "a", "an", "and", "is", "are", "was", "were", "to", "of", "in", "on", "for", "with", "my", "your",
        "you", "i", "it", "this", "that", "not", "but", "have", "has", "be", "me", "we", "they", "so", "just", "what",
        "why", "how", "can", "will", "at", "from", "do", "don't", "did", "no", "all", "get", "got", "again", "still",
        "im", "i'm", "it's", "is", "very", "really", "thanks", "please",
    ];

    private static readonly Dictionary<string, WordInfo> Table = Build();
    private static readonly Dictionary<string, WordInfo>.AlternateLookup<ReadOnlySpan<char>> Lookup = Table.GetAlternateLookup<ReadOnlySpan<char>>();

    public static WordInfo Get(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty)
        {
            return default;
        }
        if (Lookup.TryGetValue(word, out var info))
        {
            return info;
        }
        // Any contraction with n't negates ("shouldn't've", "ain’t").
        if (word.Length > 3 && (word.EndsWith("n't", StringComparison.OrdinalIgnoreCase) || word.EndsWith("n\u2019t", StringComparison.OrdinalIgnoreCase)))
        {
            return new WordInfo(WordRole.Negation, 0);
        }
        return default;
    }

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
