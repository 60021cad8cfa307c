namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// Sentiment of a text in a language with a <see cref="ForeignLexicon"/>: the sum of its words' valences (AFINN's
/// -5..5 scaled to VADER's -4..4), a word after a negator counted reversed and damped as VADER does, emoji by their
/// VADER valence, normalised to -1..1 as VADER's compound. Chinese, written without spaces, is split by longest match.
/// </summary>
internal static class ForeignScorer
{
    private const float AfinnToVader = 0.8f;
    /// <summary>VADER's N_SCALAR: a negated word counts -0.74 times its valence.</summary>
    private const float NegatedScale = -0.74f;
    /// <summary>Words after a negator it still reverses (VADER looks three words back).</summary>
    private const int NegationReach = 3;
    /// <summary>VADER's normalisation constant: compound = sum / sqrt(sum^2 + alpha).</summary>
    private const double Alpha = 15;

    public readonly record struct Result(double Compound, int Hits);

    public static Result Score(ReadOnlySpan<char> text, ReadOnlySpan<Token> tokens, ForeignLexicon lexicon)
    {
        var sum = 0.0;
        var hits = 0;
        var negation = 0;
        foreach (var t in tokens)
        {
            if ((t.Flags & TokenFlags.Emoji) != 0)
            {
                if (t.InLexicon)
                {
                    sum += t.Valence;
                    hits++;
                }
                continue;
            }
            var word = text.Slice(t.WordStart, t.WordLength);
            if (word.IsEmpty)
            {
                continue;
            }
            if (lexicon.SplitsWithoutSpaces)
            {
                ScoreUnspaced(word, lexicon, ref sum, ref hits);
                continue;
            }
            var negated = negation > 0;
            negation = Math.Max(0, negation - 1);
            if (lexicon.IsNegator(word))
            {
                negation = NegationReach;
                continue;
            }
            // French elision: "n'aime" is a negated "aime", "l'horrible" is "horrible".
            var apostrophe = word.IndexOfAny('\'', '\u2019');
            if (apostrophe is > 0 and <= 3 && apostrophe < word.Length - 1 && !lexicon.TryGetValence(word, out _))
            {
                if (lexicon.IsNegator(word[..apostrophe]) || word[..apostrophe].Equals("n", StringComparison.OrdinalIgnoreCase))
                {
                    negated = true;
                    negation = NegationReach;
                }
                word = word[(apostrophe + 1)..];
            }
            if (lexicon.TryGetValence(word, out var valence))
            {
                sum += valence * AfinnToVader * (negated ? NegatedScale : 1);
                hits++;
            }
        }
        return new Result(hits == 0 ? 0 : Math.Clamp(sum / Math.Sqrt(sum * sum + Alpha), -1, 1), hits);
    }

    /// <summary>Longest match from each position; a negator reverses the next word found in the same run.</summary>
    private static void ScoreUnspaced(ReadOnlySpan<char> run, ForeignLexicon lexicon, ref double sum, ref int hits)
    {
        var negated = false;
        var i = 0;
        while (i < run.Length)
        {
            var matched = 0;
            for (var length = Math.Min(lexicon.MaxKeyLength, run.Length - i); length > 0; length--)
            {
                var candidate = run.Slice(i, length);
                if (lexicon.TryGetValence(candidate, out var valence))
                {
                    sum += valence * AfinnToVader * (negated ? NegatedScale : 1);
                    hits++;
                    negated = false;
                    matched = length;
                    break;
                }
                if (lexicon.IsNegator(candidate))
                {
                    negated = true;
                    matched = length;
                    break;
                }
            }
            i += Math.Max(1, matched);
        }
    }
}
