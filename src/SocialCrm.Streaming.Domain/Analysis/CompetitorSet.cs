namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>A brand's competitor names, split into words, longest first (so "virgin media" wins over "virgin").</summary>
public sealed class CompetitorSet
{
    private readonly string[][] _names;
    private readonly string[] _display;

    public static CompetitorSet Empty { get; } = new([]);

    public CompetitorSet(IEnumerable<string> names)
    {
        var distinct = names
            .Where(n => !string.IsNullOrWhiteSpace(n))
            .Select(n => n.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(n => (Display: n, Words: n.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .OrderByDescending(n => n.Words.Length)
            .ThenBy(n => n.Display, StringComparer.Ordinal)
            .ToArray();
        _names = [.. distinct.Select(d => d.Words)];
        _display = [.. distinct.Select(d => d.Display)];
    }

    public int Count => _names.Length;

    public IReadOnlyList<string> Names => _display;

    /// <summary>Matches a competitor name at token <paramref name="index"/>; returns the number of tokens it spans (0: none).</summary>
    internal int MatchAt(ReadOnlySpan<char> text, ReadOnlySpan<Token> tokens, int index, out int nameIndex)
    {
        for (var n = 0; n < _names.Length; n++)
        {
            var words = _names[n];
            if (index + words.Length > tokens.Length)
            {
                continue;
            }
            var ok = true;
            for (var k = 0; k < words.Length && ok; k++)
            {
                var t = tokens[index + k];
                ok = text.Slice(t.WordStart, t.WordLength).Equals(words[k], StringComparison.OrdinalIgnoreCase);
            }
            if (ok)
            {
                nameIndex = n;
                return words.Length;
            }
        }
        nameIndex = -1;
        return 0;
    }
}
