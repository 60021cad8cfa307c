using System.Globalization;
using System.Reflection;

namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// The VADER lexicon (Resources/vader_lexicon.txt, see LICENSE-vader.md): token -> mean valence in
/// [-4, 4]. Loaded once; keys compare case-insensitively and are looked up by span, so the hot path
/// does not allocate.
/// </summary>
public sealed class SentimentLexicon
{
    private readonly Dictionary<string, float> _entries;
    private readonly Dictionary<string, float>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private SentimentLexicon(Dictionary<string, float> entries)
    {
        _entries = entries;
        _lookup = entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private static readonly Lazy<SentimentLexicon> Shared = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The embedded lexicon, loaded on first use.</summary>
    public static SentimentLexicon Default => Shared.Value;

    public int Count => _entries.Count;

    internal IEnumerable<KeyValuePair<string, float>> Entries => _entries;

    public bool TryGetValence(ReadOnlySpan<char> token, out float valence) => _lookup.TryGetValue(token, out valence);

    public bool Contains(ReadOnlySpan<char> token) => _lookup.ContainsKey(token);

    /// <summary>Reads the tab-separated lexicon format: token, mean valence, standard deviation, raw ratings.</summary>
    public static SentimentLexicon Parse(TextReader reader)
    {
        var entries = new Dictionary<string, float>(8192, StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }
            var rest = line.AsSpan(tab + 1);
            var end = rest.IndexOf('\t');
            var number = end < 0 ? rest : rest[..end];
            if (float.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var valence))
            {
                // The file has a few duplicate tokens; the later entry wins.
                entries[line[..tab]] = valence;
            }
        }
        return new SentimentLexicon(entries);
    }

    private static SentimentLexicon LoadEmbedded()
    {
        using var stream = typeof(SentimentLexicon).Assembly.GetManifestResourceStream("vader_lexicon.txt")
            ?? throw new InvalidOperationException("embedded resource vader_lexicon.txt is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }
}
