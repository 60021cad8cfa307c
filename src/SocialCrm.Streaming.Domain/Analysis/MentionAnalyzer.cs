using System.Buffers;
using System.Runtime.CompilerServices;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Analysis;

/// <summary>
/// Sentiment (VADER rules), intents with evidence spans and a cheap language check, in one pass over
/// the tokens of a text. Stateless and thread-safe; allocates only the result.
/// <para>
/// Spanish, Portuguese, French, German, Chinese and Persian (declared, or guessed by <see cref="LanguageGuess"/>)
/// are scored with their own word list (<see cref="ForeignLexicon"/>, <see cref="ForeignScorer"/>) with
/// <see cref="SentimentConfidence.Low"/>, when the text has at least one of its words or an emoji.
/// </para>
/// <para>
/// Other non-English text (declared <c>lang</c> other than <c>en*</c>, or undeclared text that is mostly
/// non-Latin script or has no English function words): the English lexicon is not trusted. If at least
/// <see cref="SentimentRules.NonEnglishMinCoverage"/> of the word tokens are lexicon hits (loanwords,
/// emoticons, emoji) the score is kept with <see cref="SentimentConfidence.Low"/>; otherwise the compound
/// is 0 with <see cref="SentimentConfidence.None"/> (unknown, not neutral). English intent phrases are
/// still matched (they are literal phrases, harmless on other languages). An upstream
/// <c>sentiment</c> always wins, with <see cref="SentimentConfidence.High"/>.
/// </para>
/// </summary>
public sealed class MentionAnalyzer
{
    private const int StackTokens = 128;
    private static readonly Lazy<WordTable> DefaultTable = new(() => new WordTable(SentimentLexicon.Default, IntentCatalog.Default));
    private readonly WordTable _table;
    private readonly IntentCatalog _catalog;
    private readonly SentimentRules _rules;

    public MentionAnalyzer(SentimentRules? rules = null, SentimentLexicon? lexicon = null)
    {
        _rules = rules ?? new SentimentRules();
        _catalog = IntentCatalog.Default;
        _table = lexicon is null ? DefaultTable.Value : new WordTable(lexicon, _catalog);
    }

    /// <summary>Compound sentiment only (rounded to 4 decimals), with no language handling: the plain VADER score.</summary>
    public double Compound(string text) => Analyze(text, "en", null, CompetitorSet.Empty).Compound;

    /// <remarks>
    /// The stack buffers are not zeroed (they hold up to 128 tokens, about 6 KB): only their first n entries are
    /// read, and each is written first (the tokenizer, the lookup below, the scorer).
    /// </remarks>
    [SkipLocalsInit]
    public MentionAnalysis Analyze(string text, string? lang, double? upstreamSentiment, CompetitorSet competitors)
    {
        var span = text.AsSpan();
        var capacity = Math.Max(1, span.Length);
        Token[]? rentedTokens = null;
        WordInfo[]? rentedInfos = null;
        double[]? rentedSentiments = null;
        var tokens = capacity <= StackTokens ? stackalloc Token[StackTokens] : (rentedTokens = ArrayPool<Token>.Shared.Rent(capacity));
        var stats = new ScriptStats();
        var n = Tokenizer.Tokenize(span, tokens, ref stats);
        tokens = tokens[..n];
        var infos = n <= StackTokens ? stackalloc WordInfo[StackTokens] : (rentedInfos = ArrayPool<WordInfo>.Shared.Rent(n));
        infos = infos[..n];
        var sentiments = n <= StackTokens ? stackalloc double[StackTokens] : (rentedSentiments = ArrayPool<double>.Shared.Rent(n));
        sentiments = sentiments[..n];
        try
        {
            int words = 0, hits = 0, english = 0;
            for (var i = 0; i < n; i++)
            {
                ref var t = ref tokens[i];
                infos[i] = new WordInfo(WordRole.None, 0);
                if ((t.Flags & TokenFlags.Emoji) == 0)
                {
                    var word = span.Slice(t.WordStart, t.WordLength);
                    if (_table.TryGet(word, out var entry))
                    {
                        t.Valence = entry.Valence;
                        infos[i] = entry.Info;
                    }
                    else
                    {
                        infos[i] = FunctionWords.Fallback(word);
                    }
                    // Emoticons such as ":)" or "</3" are all punctuation: the raw token is their lexicon key.
                    if (float.IsNaN(t.Valence) && t.Length != t.WordLength && _table.TryGet(span.Slice(t.Start, t.Length), out var raw))
                    {
                        t.Valence = raw.Valence;
                    }
                }
                if ((t.Flags & TokenFlags.HasLetter) != 0)
                {
                    words++;
                    if (t.InLexicon) hits++;
                    if ((infos[i].Roles & WordRole.English) != 0) english++;
                }
                else if (t.InLexicon)
                {
                    hits++; // emoticons and emoji count as (language-neutral) evidence
                    words++;
                }
            }
            var compound = VaderScorer.Score(span, tokens, infos, sentiments);
            var language = Language(lang, span, tokens, stats, words, hits, english);
            var confidence = SentimentConfidence.High;
            if (upstreamSentiment is { } upstream)
            {
                compound = Math.Clamp(upstream, -1, 1);
            }
            else
            {
                compound = Math.Round(compound, 4, MidpointRounding.ToEven);
                if (!language.IsEnglish)
                {
                    if (ForeignLexicon.For(LanguageGuess.Primary(language.Code)) is { } foreign
                        && ForeignScorer.Score(span, tokens, foreign) is { Hits: > 0 } scored)
                    {
                        compound = Math.Round(scored.Compound, 4, MidpointRounding.ToEven);
                        confidence = SentimentConfidence.Low;
                    }
                    else if (language.LexiconCoverage >= _rules.NonEnglishMinCoverage && hits > 0)
                    {
                        confidence = SentimentConfidence.Low;
                    }
                    else
                    {
                        confidence = SentimentConfidence.None;
                        compound = 0;
                    }
                }
            }
            var sentimentClass = compound >= _rules.PositiveThreshold ? SentimentClass.Positive
                : compound <= _rules.NegativeThreshold ? SentimentClass.Negative
                : SentimentClass.Neutral;
            var intents = MatchIntents(text, tokens, infos, sentiments, compound, confidence, competitors);
            return new MentionAnalysis(compound, sentimentClass, confidence, upstreamSentiment.HasValue, intents, language);
        }
        finally
        {
            if (rentedTokens is not null) ArrayPool<Token>.Shared.Return(rentedTokens);
            if (rentedInfos is not null) ArrayPool<WordInfo>.Shared.Return(rentedInfos);
            if (rentedSentiments is not null) ArrayPool<double>.Shared.Return(rentedSentiments);
        }
    }

    private static LanguageInfo Language(string? lang, ReadOnlySpan<char> text, ReadOnlySpan<Token> tokens, ScriptStats stats, int words, int hits, int english)
    {
        var nonLatin = stats.Letters > 0 && stats.NonLatinLetters * 2 > stats.Letters;
        var coverage = words == 0 ? 0 : (double)hits / words;
        if (!string.IsNullOrEmpty(lang))
        {
            var isEnglish = lang.StartsWith("en", StringComparison.OrdinalIgnoreCase) && (lang.Length == 2 || lang[2] is '-' or '_');
            return new LanguageInfo(lang, true, isEnglish, nonLatin, coverage);
        }
        // A language with a word list of its own, by script or by more of its function words than English ones.
        if (LanguageGuess.Guess(text, tokens, english, nonLatin) is { } guessed)
        {
            return new LanguageInfo(guessed, false, false, nonLatin, coverage);
        }
        // Two English function words, or one in a short text; a very short text is given the benefit of the doubt.
        var looksEnglish = !nonLatin && (english >= 2 || (english == 1 && words <= 8) || words <= 3);
        return new LanguageInfo(looksEnglish ? "en" : "und", false, looksEnglish, nonLatin, coverage);
    }

    private readonly record struct Found(IntentKind Kind, int Start, int End, bool Completed, int Competitor);

    private IntentMatch[] MatchIntents(string text, ReadOnlySpan<Token> tokens, ReadOnlySpan<WordInfo> infos,
        ReadOnlySpan<double> sentiments, double compound, SentimentConfidence confidence, CompetitorSet competitors)
    {
        var span = text.AsSpan();
        Span<Found> found = stackalloc Found[7];
        uint seen = 0;
        var count = 0;
        var n = tokens.Length;
        for (var i = 0; i < n && seen != 0x7F; i++)
        {
            var t = tokens[i];
            if (t.WordLength == 0)
            {
                continue;
            }
            if (infos[i].PatternSet >= 0)
            {
                TryPatterns(_table.PatternSets[infos[i].PatternSet], span, tokens, infos, i, compound, competitors, found, ref seen, ref count);
            }
            if (competitors.Count > 0 && competitors.MatchAt(span, tokens, i, out _) > 0
                && _catalog.TryGet(IntentCatalog.CompetitorSlot, out var leading))
            {
                TryPatterns(leading, span, tokens, infos, i, compound, competitors, found, ref seen, ref count);
            }
        }

        // Strong sentiment without a phrase still says complaint or praise; the evidence is the strongest word.
        if (confidence != SentimentConfidence.None)
        {
            if ((seen & Bit(IntentKind.Complaint)) == 0 && compound <= _rules.ComplaintCompound && Extreme(sentiments, negative: true) is var neg and >= 0)
            {
                Add(found, ref seen, ref count, new Found(IntentKind.Complaint, tokens[neg].WordStart, tokens[neg].WordStart + tokens[neg].WordLength, false, -1));
            }
            if ((seen & Bit(IntentKind.Praise)) == 0 && compound >= _rules.PraiseCompound && Extreme(sentiments, negative: false) is var pos and >= 0)
            {
                Add(found, ref seen, ref count, new Found(IntentKind.Praise, tokens[pos].WordStart, tokens[pos].WordStart + tokens[pos].WordLength, false, -1));
            }
        }
        // A question mark is a question: the evidence is its sentence.
        if ((seen & Bit(IntentKind.Question)) == 0)
        {
            var q = span.IndexOf('?');
            if (q >= 0)
            {
                var start = span[..q].LastIndexOfAny(".!?\n") + 1;
                while (start < q && char.IsWhiteSpace(span[start])) start++;
                var end = q + 1;
                while (end < span.Length && span[end] == '?') end++;
                Add(found, ref seen, ref count, new Found(IntentKind.Question, start, end, false, -1));
            }
        }
        if (count == 0)
        {
            return [];
        }
        var sorted = found[..count];
        sorted.Sort(static (a, b) => a.Kind.CompareTo(b.Kind));
        var result = new IntentMatch[count];
        for (var k = 0; k < count; k++)
        {
            var f = sorted[k];
            result[k] = new IntentMatch(f.Kind, text, f.Start, f.End - f.Start, f.Completed,
                f.Competitor >= 0 ? competitors.Names[f.Competitor] : null);
        }
        return result;
    }

    private static void TryPatterns(IntentCatalog.Pattern[] patterns, ReadOnlySpan<char> span, ReadOnlySpan<Token> tokens,
        ReadOnlySpan<WordInfo> infos, int i, double compound, CompetitorSet competitors, Span<Found> found, ref uint seen, ref int count)
    {
        foreach (var pattern in patterns)
        {
            if ((seen & Bit(pattern.Kind)) != 0)
            {
                continue;
            }
            // Complaint words in a clearly happy mention ("thanks for the quick refund!") are not a complaint; praise words in an unhappy one are not praise.
            if ((pattern.Kind == IntentKind.Complaint && compound >= 0.7) || (pattern.Kind == IntentKind.Praise && compound <= 0))
            {
                continue;
            }
            if (!Matches(pattern, span, tokens, i, competitors, out var end, out var competitor))
            {
                continue;
            }
            if (pattern.Guarded && IsNegated(infos, i))
            {
                continue; // "I'm not cancelling", "would never recommend"
            }
            var last = tokens[end - 1];
            Add(found, ref seen, ref count, new Found(pattern.Kind, tokens[i].WordStart, last.WordStart + last.WordLength, pattern.Completed, competitor));
        }
    }

    private static bool Matches(IntentCatalog.Pattern pattern, ReadOnlySpan<char> span, ReadOnlySpan<Token> tokens, int i,
        CompetitorSet competitors, out int end, out int competitor)
    {
        competitor = -1;
        var j = i;
        foreach (var word in pattern.Words)
        {
            if (ReferenceEquals(word, IntentCatalog.CompetitorSlot) || word == IntentCatalog.CompetitorSlot)
            {
                var length = competitors.MatchAt(span, tokens, j, out competitor);
                if (length == 0)
                {
                    end = 0;
                    return false;
                }
                j += length;
                continue;
            }
            if (j >= tokens.Length || !span.Slice(tokens[j].WordStart, tokens[j].WordLength).Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                end = 0;
                return false;
            }
            j++;
        }
        end = j;
        return true;
    }

    private static bool IsNegated(ReadOnlySpan<WordInfo> infos, int i)
    {
        for (var k = Math.Max(0, i - 3); k < i; k++)
        {
            if ((infos[k].Roles & WordRole.Negation) != 0) return true;
        }
        return false;
    }

    private static int Extreme(ReadOnlySpan<double> sentiments, bool negative)
    {
        var best = -1;
        var bestValue = 0.0;
        for (var i = 0; i < sentiments.Length; i++)
        {
            var v = negative ? -sentiments[i] : sentiments[i];
            if (v > bestValue)
            {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    private static uint Bit(IntentKind kind) => 1u << (int)kind;

    private static void Add(Span<Found> found, ref uint seen, ref int count, Found f)
    {
        if ((seen & Bit(f.Kind)) != 0 || count >= found.Length)
        {
            return;
        }
        seen |= Bit(f.Kind);
        found[count++] = f;
    }
}
