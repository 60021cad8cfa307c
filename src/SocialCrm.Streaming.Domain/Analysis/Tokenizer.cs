namespace SocialCrm.Streaming.Domain.Analysis;

[Flags]
internal enum TokenFlags : byte
{
    None = 0,
    /// <summary>Has at least one cased letter and no lower-case letter (Python's str.isupper).</summary>
    AllCaps = 1,
    Emoji = 2,
    HasLetter = 4,
}

/// <summary>
/// One whitespace-separated token (emoji split off as tokens of their own). <see cref="Start"/>/<see cref="Length"/>
/// is the raw token; <see cref="WordStart"/>/<see cref="WordLength"/> the token without leading and trailing
/// punctuation (may be empty). Indices are into the analysed text.
/// </summary>
internal struct Token
{
    public int Start;
    public int Length;
    public int WordStart;
    public int WordLength;
    public TokenFlags Flags;
    /// <summary>Lexicon (or emoji) valence, NaN when the token is not in the lexicon.</summary>
    public float Valence;

    public readonly bool InLexicon => !float.IsNaN(Valence);
    public readonly bool IsAllCaps => (Flags & TokenFlags.AllCaps) != 0;
}

/// <summary>Letter statistics gathered while tokenizing: cheap script detection.</summary>
internal struct ScriptStats
{
    public int Letters;
    public int NonLatinLetters;
}

internal static class Tokenizer
{
    /// <summary>Splits <paramref name="text"/>; returns the number of tokens written (never more than buffer.Length).</summary>
    public static int Tokenize(ReadOnlySpan<char> text, Span<Token> buffer, ref ScriptStats stats)
    {
        var count = 0;
        var i = 0;
        var tokenStart = -1;
        while (i < text.Length && count < buffer.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (tokenStart >= 0)
                {
                    buffer[count++] = Make(text, tokenStart, i - tokenStart, ref stats);
                    tokenStart = -1;
                }
                i++;
                continue;
            }
            int width;
            int codePoint;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, text[i + 1]);
                width = 2;
            }
            else
            {
                codePoint = c;
                width = 1;
            }
            if (c >= 0x2600 && EmojiValence.IsEmoji(codePoint))
            {
                if (tokenStart >= 0)
                {
                    buffer[count++] = Make(text, tokenStart, i - tokenStart, ref stats);
                    tokenStart = -1;
                    if (count >= buffer.Length)
                    {
                        break;
                    }
                }
                var end = i + width;
                // Modifiers (skin tone, variation selector, joiner + next pictograph) belong to this emoji.
                while (end < text.Length)
                {
                    var next = char.IsHighSurrogate(text[end]) && end + 1 < text.Length ? char.ConvertToUtf32(text[end], text[end + 1]) : text[end];
                    if (!EmojiValence.IsEmojiModifier(next))
                    {
                        break;
                    }
                    end += next > 0xFFFF ? 2 : 1;
                    if (next == 0x200D && end < text.Length)
                    {
                        var joined = char.IsHighSurrogate(text[end]) && end + 1 < text.Length ? char.ConvertToUtf32(text[end], text[end + 1]) : text[end];
                        end += joined > 0xFFFF ? 2 : 1;
                    }
                }
                var token = new Token { Start = i, Length = end - i, WordStart = i, WordLength = end - i, Flags = TokenFlags.Emoji, Valence = float.NaN };
                if (EmojiValence.TryGetValence(codePoint, out var valence))
                {
                    token.Valence = valence;
                }
                buffer[count++] = token;
                i = end;
                continue;
            }
            if (tokenStart < 0)
            {
                tokenStart = i;
            }
            i += width;
        }
        if (tokenStart >= 0 && count < buffer.Length)
        {
            buffer[count++] = Make(text, tokenStart, text.Length - tokenStart, ref stats);
        }
        return count;
    }

    private static Token Make(ReadOnlySpan<char> text, int start, int length, ref ScriptStats stats)
    {
        var raw = text.Slice(start, length);
        var lead = 0;
        while (lead < raw.Length && IsPunctuation(raw[lead]))
        {
            lead++;
        }
        var trail = raw.Length;
        while (trail > lead && IsPunctuation(raw[trail - 1]))
        {
            trail--;
        }
        var hasUpper = false;
        var hasLower = false;
        var letters = 0;
        for (var k = lead; k < trail; k++)
        {
            var ch = raw[k];
            if (char.IsLetter(ch))
            {
                letters++;
                if (char.IsUpper(ch)) hasUpper = true;
                else if (char.IsLower(ch)) hasLower = true;
                if (ch > '\u024F' && !(ch >= '\u1E00' && ch <= '\u1EFF'))
                {
                    stats.NonLatinLetters++;
                }
            }
        }
        stats.Letters += letters;
        var flags = TokenFlags.None;
        if (letters > 0) flags |= TokenFlags.HasLetter;
        if (hasUpper && !hasLower) flags |= TokenFlags.AllCaps;
        return new Token { Start = start, Length = length, WordStart = start + lead, WordLength = trail - lead, Flags = flags, Valence = float.NaN };
    }

    /// <summary>ASCII punctuation (Python's string.punctuation) plus typographic quotes and ellipsis.</summary>
    public static bool IsPunctuation(char c) =>
        c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~')
            or '\u2018' or '\u2019' or '\u201C' or '\u201D' or '\u2026' or '\u00AB' or '\u00BB' or '\u00BF' or '\u00A1';
}
