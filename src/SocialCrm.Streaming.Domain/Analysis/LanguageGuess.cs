using System.Collections.Frozen;

namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// Which <see cref="ForeignLexicon"/> language an undeclared text is in: by script for Chinese (Han, no kana) and
/// Persian (Arabic script with letters Arabic does not use), by a vote of common function words for Spanish,
/// Portuguese, French and German. Cheap and rough: a declared <c>lang</c> always wins over it.
/// </summary>
internal static class LanguageGuess
{
    [Flags]
    private enum Vote : byte { None = 0, Es = 1, Pt = 2, Fr = 4, De = 8 }

    private static readonly (Vote Vote, string Code)[] Candidates = [(Vote.Es, "es"), (Vote.Pt, "pt"), (Vote.Fr, "fr"), (Vote.De, "de")];

    private static readonly FrozenDictionary<string, Vote>.AlternateLookup<ReadOnlySpan<char>> FunctionWords = Build().GetAlternateLookup<ReadOnlySpan<char>>();

    private static FrozenDictionary<string, Vote> Build()
    {
        var words = new Dictionary<string, Vote>(StringComparer.OrdinalIgnoreCase);
        void Add(Vote vote, string list)
        {
            foreach (var word in list.Split(' '))
            {
                words[word] = words.GetValueOrDefault(word) | vote;
            }
        }
        Add(Vote.Es, "el los las del y es está muy pero por una con para que lo mi este esta son hay yo su al como más");
        Add(Vote.Pt, "o os do da dos das e é não muito mas um uma com para que meu minha está você isso eu na ao mais");
        Add(Vote.Fr, "le les des du et est pas je très mais une avec pour que ce il elle nous vous sur au aux mon ma c'est");
        Add(Vote.De, "der die das und ist nicht ich mit für sehr aber ein eine zu auf den dem es sie wir mein meine kein");
        return words.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The primary subtag of a BCP-47 tag, lower case: "pt-BR" -> "pt", "zh_Hant" -> "zh".</summary>
    public static string Primary(string lang)
    {
        var end = lang.AsSpan().IndexOfAny('-', '_');
        return (end < 0 ? lang : lang[..end]).ToLowerInvariant();
    }

    /// <summary>
    /// The language of a text mostly in another script by that script (zh, fa), else the Latin-script language with the
    /// most function words when it has at least two and more of them than <paramref name="englishWords"/>; else null.
    /// </summary>
    public static string? Guess(ReadOnlySpan<char> text, ReadOnlySpan<Token> tokens, int englishWords, bool nonLatin) =>
        nonLatin ? ByScript(text) : ByFunctionWords(text, tokens, englishWords);

    private static string? ByScript(ReadOnlySpan<char> text)
    {
        int han = 0, kana = 0, arabic = 0, persian = 0, letters = 0;
        foreach (var c in text)
        {
            if (!char.IsLetter(c)) continue;
            letters++;
            if (c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF') han++;
            else if (c is >= '\u3040' and <= '\u30FF') kana++;
            else if (c is >= '\u0600' and <= '\u06FF')
            {
                arabic++;
                // پ چ ژ گ ک ی: Persian letters Arabic does not use.
                if (c is '\u067E' or '\u0686' or '\u0698' or '\u06AF' or '\u06A9' or '\u06CC') persian++;
            }
        }
        if (han * 2 > letters && kana == 0) return "zh";
        return arabic * 2 > letters && persian > 0 ? "fa" : null;
    }

    private static string? ByFunctionWords(ReadOnlySpan<char> text, ReadOnlySpan<Token> tokens, int englishWords)
    {
        Span<int> votes = stackalloc int[Candidates.Length];
        foreach (var t in tokens)
        {
            if (t.WordLength > 0 && FunctionWords.TryGetValue(text.Slice(t.WordStart, t.WordLength), out var vote))
            {
                for (var k = 0; k < Candidates.Length; k++)
                {
                    if ((vote & Candidates[k].Vote) != 0) votes[k]++;
                }
            }
        }
        var best = -1;
        var tie = false;
        for (var k = 0; k < votes.Length; k++)
        {
            if (best < 0 || votes[k] > votes[best]) { best = k; tie = false; }
            else if (votes[k] == votes[best]) tie = true;
        }
        return !tie && votes[best] >= 2 && votes[best] > englishWords ? Candidates[best].Code : null;
    }
}
