namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// Everything known about a word in one case-insensitive table: lexicon valence, VADER roles
/// (negation, booster, ...), English-ness and the intent patterns that start with it. One lookup per
/// token on the hot path, by span, without allocation.
/// </summary>
internal sealed class WordTable
{
    internal readonly record struct Entry(float Valence, WordInfo Info);

    private readonly Dictionary<string, Entry> _entries;
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public WordTable(SentimentLexicon lexicon, IntentCatalog catalog)
    {
        _entries = new Dictionary<string, Entry>(lexicon.Count + 512, StringComparer.OrdinalIgnoreCase);
        foreach (var (word, valence) in lexicon.Entries)
        {
            _entries[word] = new Entry(valence, new WordInfo(WordRole.None, 0));
        }
        foreach (var (word, info) in FunctionWords.Entries)
        {
            var existing = _entries.TryGetValue(word, out var e) ? e : new Entry(float.NaN, new WordInfo(WordRole.None, 0));
            _entries[word] = existing with { Info = info };
        }
        var sets = new List<IntentCatalog.Pattern[]>();
        foreach (var (word, patterns) in catalog.ByFirstWord.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var existing = _entries.TryGetValue(word, out var e) ? e : new Entry(float.NaN, FunctionWords.Fallback(word));
            _entries[word] = existing with { Info = existing.Info with { PatternSet = (short)sets.Count } };
            sets.Add(patterns);
        }
        PatternSets = [.. sets];
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public IntentCatalog.Pattern[][] PatternSets { get; }

    public bool TryGet(ReadOnlySpan<char> word, out Entry entry) => _lookup.TryGetValue(word, out entry);
}
