namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// The rules of VADER (Hutto &amp; Gilbert, ICWSM 2014) over pre-computed tokens: lexicon valence,
/// ALL-CAPS emphasis when the text mixes case, booster/dampener words within three tokens, negation
/// within three tokens (with the "never so"/"without doubt" idioms and "at least"), "no" as a
/// negating determiner, "kind of" as a hedge, contrastive "but", punctuation emphasis (! and ?), and
/// the normalisation x / sqrt(x² + 15) into [-1, 1].
/// </summary>
internal static class VaderScorer
{
    public const double CapsIncrement = 0.733;
    public const double NegationScalar = -0.74;
    public const double NeverSoScalar = 1.25;
    public const double BeforeBut = 0.5;
    public const double AfterBut = 1.5;
    public const double ExclamationIncrement = 0.292;
    public const double QuestionIncrement = 0.18;
    public const double QuestionMax = 0.96;
    public const double Alpha = 15;

    /// <summary>Per-token sentiment into <paramref name="sentiments"/>; returns the compound score (unrounded).</summary>
    public static double Score(ReadOnlySpan<char> text, ReadOnlySpan<Token> t, ReadOnlySpan<WordInfo> w, Span<double> sentiments)
    {
        var n = t.Length;
        var caps = 0;
        for (var i = 0; i < n; i++)
        {
            if (t[i].IsAllCaps) caps++;
        }
        var capDiff = caps > 0 && caps < n;
        var butIndex = -1;

        for (var i = 0; i < n; i++)
        {
            sentiments[i] = 0;
            var roles = w[i].Roles;
            if (butIndex < 0 && (roles & WordRole.But) != 0)
            {
                butIndex = i;
            }
            if ((roles & WordRole.Booster) != 0)
            {
                continue; // boosters modify their neighbours and carry no valence of their own
            }
            if ((roles & WordRole.Kind) != 0 && i + 1 < n && (w[i + 1].Roles & WordRole.Of) != 0)
            {
                continue; // "kind of", "sort of": a hedge, not kindness
            }
            if (!t[i].InLexicon)
            {
                continue;
            }
            double v = t[i].Valence;
            if ((roles & WordRole.No) != 0 && i + 1 < n && t[i + 1].InLexicon)
            {
                v = 0; // "no" in front of a sentiment word negates it instead of counting itself
            }
            if ((i > 0 && Has(w[i - 1], WordRole.No))
                || (i > 1 && Has(w[i - 2], WordRole.No))
                || (i > 2 && Has(w[i - 3], WordRole.No) && Has(w[i - 1], WordRole.OrNor)))
            {
                v *= NegationScalar;
            }
            if (t[i].IsAllCaps && capDiff)
            {
                v += Math.Sign(v) * CapsIncrement;
            }
            for (var k = 0; k < 3; k++)
            {
                var j = i - k - 1;
                if (j < 0)
                {
                    break;
                }
                if (t[j].InLexicon)
                {
                    continue;
                }
                var scalar = Scalar(t[j], w[j], v, capDiff);
                if (k == 1) scalar *= 0.95;
                else if (k == 2) scalar *= 0.9;
                v += scalar;
                v = Negate(w, i, k, v);
            }
            // The multi-word dampener "kind of"/"sort of" right before a sentiment word ("only kind of good").
            if (i > 1 && Has(w[i - 2], WordRole.Kind) && Has(w[i - 1], WordRole.Of))
            {
                v += Math.Sign(v) * FunctionWords.DampenerDecrement;
            }
            if (i > 0 && Has(w[i - 1], WordRole.Least) && !t[i - 1].InLexicon)
            {
                // "least likeable" flips; "at least" and "very least" do not
                if (i == 1 || !Has(w[i - 2], WordRole.AtOrVery))
                {
                    v *= NegationScalar;
                }
            }
            sentiments[i] = v;
        }

        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            if (butIndex >= 0)
            {
                if (i < butIndex) sentiments[i] *= BeforeBut;
                else if (i > butIndex) sentiments[i] *= AfterBut;
            }
            sum += sentiments[i];
        }
        if (sum != 0)
        {
            sum += Math.Sign(sum) * PunctuationEmphasis(text);
        }
        return Normalize(sum);
    }

    public static double Normalize(double score)
    {
        var normalized = score / Math.Sqrt(score * score + Alpha);
        return Math.Clamp(normalized, -1, 1);
    }

    private static double PunctuationEmphasis(ReadOnlySpan<char> text)
    {
        var exclamations = Math.Min(text.Count('!'), 4);
        var questions = text.Count('?');
        var emphasis = exclamations * ExclamationIncrement;
        if (questions > 1)
        {
            emphasis += questions <= 3 ? questions * QuestionIncrement : QuestionMax;
        }
        return emphasis;
    }

    private static double Scalar(in Token token, WordInfo info, double valence, bool capDiff)
    {
        if ((info.Roles & WordRole.Booster) == 0 || valence == 0)
        {
            return 0;
        }
        double scalar = info.Boost;
        if (valence < 0)
        {
            scalar = -scalar;
        }
        if (token.IsAllCaps && capDiff)
        {
            scalar += valence > 0 ? CapsIncrement : -CapsIncrement;
        }
        return scalar;
    }

    private static double Negate(ReadOnlySpan<WordInfo> w, int i, int k, double v)
    {
        switch (k)
        {
            case 0:
                return Has(w[i - 1], WordRole.Negation) ? v * NegationScalar : v;
            case 1:
                if (Has(w[i - 2], WordRole.Never) && Has(w[i - 1], WordRole.SoOrThis)) return v * NeverSoScalar;
                if (Has(w[i - 2], WordRole.Without) && Has(w[i - 1], WordRole.Doubt)) return v;
                return Has(w[i - 2], WordRole.Negation) ? v * NegationScalar : v;
            default:
                if (Has(w[i - 3], WordRole.Never) && (Has(w[i - 2], WordRole.SoOrThis) || Has(w[i - 1], WordRole.SoOrThis))) return v * NeverSoScalar;
                if (Has(w[i - 3], WordRole.Without) && (Has(w[i - 2], WordRole.Doubt) || Has(w[i - 1], WordRole.Doubt))) return v;
                return Has(w[i - 3], WordRole.Negation) ? v * NegationScalar : v;
        }
    }

    private static bool Has(WordInfo info, WordRole role) => (info.Roles & role) != 0;
}
