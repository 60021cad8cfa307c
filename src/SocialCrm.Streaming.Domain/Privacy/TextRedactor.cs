using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SocialCrm.Streaming.Domain.Privacy;

/// <summary>
/// Masks identifiers in free text before it leaves the processor: e-mail addresses, IBANs (mod-97 checked),
/// payment card numbers (Luhn checked) and phone numbers. Unicode-aware: any decimal digit counts (full-width
/// ０-９, Arabic-Indic, ...), local parts and domains may be non-ASCII (IDN), and the separators people type
/// (spaces, no-break and thin spaces, dots, the dash family, full-width forms) are accepted between digits.
/// Order matters: e-mail first (addresses carry digits), then IBAN, card, phone; each mask holds no digit or
/// '@' so a later pass cannot fire on an earlier mask.
/// </summary>
public static partial class TextRedactor
{
    public const string Email = "[email]";
    public const string Phone = "[phone]";
    public const string Card = "[card]";
    public const string Iban = "[iban]";

    private const int MinPhoneDigits = 7;
    private const int MaxPhoneDigits = 15; // E.164

    public static string Redact(string text)
    {
        if (!MayHoldIdentifier(text))
        {
            return text; // the common case: no '@' and too few digits for any identifier
        }
        var result = EmailAddress().Replace(text, Email);
        result = IbanCandidate().Replace(result, MaskIban);
        result = CardCandidate().Replace(result, static m => Luhn(m.ValueSpan) ? Card : m.Value);
        return PhoneCandidate().Replace(result, static m => IsPhone(m.Value) ? Phone : m.Value);
    }

    private static readonly SearchValues<char> AtSigns = SearchValues.Create("@\uFF20");

    private static readonly SearchValues<string> SpelledAt = SearchValues.Create(["[at]", "(at)"], StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the text has an at sign (or one spelled out) or enough digits for any identifier. Every mention's text
    /// passes here, so it searches vectorised, a character at a time only for the digits of a text that is not ASCII.
    /// </summary>
    private static bool MayHoldIdentifier(string text)
    {
        var span = text.AsSpan();
        if (span.ContainsAny(AtSigns) || span.ContainsAny(SpelledAt))
        {
            return true;
        }
        if (span.ContainsAnyExceptInRange('\0', '\x7F'))
        {
            // Any decimal digit counts (full-width, Arabic-Indic, ...), not only the ASCII ones.
            var digits = 0;
            foreach (var c in span)
            {
                if (char.IsDigit(c) && ++digits >= MinPhoneDigits)
                {
                    return true;
                }
            }
            return false;
        }
        var asciiDigits = 0;
        for (var at = span.IndexOfAnyInRange('0', '9'); at >= 0; at = span.IndexOfAnyInRange('0', '9'))
        {
            if (++asciiDigits >= MinPhoneDigits)
            {
                return true;
            }
            span = span[(at + 1)..];
        }
        return false;
    }

    /// <summary>
    /// Local part: letters, marks, digits and the RFC 5322 atom symbols (not starting with a dot); '@' or its
    /// full-width form, or " [at] "; a domain of letter/digit labels joined by '.', '．', '。', '｡' or " [dot] ",
    /// ending in an alphabetic or punycode top-level label.
    /// </summary>
    [GeneratedRegex(
        @"(?<![\p{L}\p{M}\p{Nd}._%+\-'])[\p{L}\p{M}\p{Nd}_%+\-'!#$&*=?^`{|}~][\p{L}\p{M}\p{Nd}._%+\-'!#$&*=?^`{|}~]*"
        + @"(?:[@＠]|\s?[\[(]at[\])]\s?)"
        + @"(?:[\p{L}\p{M}\p{Nd}\-]+(?:[.．。｡]|\s?[\[(]dot[\])]\s?))+"
        + @"(?:xn--[a-z0-9\-]+|[\p{L}\p{M}]{2,})(?![\p{L}\p{M}\p{Nd}])",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex EmailAddress();

    /// <summary>Country letters, two check digits, then 11 to 30 letters or digits, optionally in groups.</summary>
    [GeneratedRegex(
        @"(?<![\p{L}\p{Nd}])[A-Za-zＡ-Ｚａ-ｚ]{2}\p{Nd}{2}(?:[ \u00A0\u2009\u202F\-]?[A-Za-zＡ-Ｚａ-ｚ\p{Nd}]){11,30}(?![\p{L}\p{Nd}])",
        RegexOptions.CultureInvariant)]
    private static partial Regex IbanCandidate();

    /// <summary>13 to 19 digits, a space or dash between any two; never after a '+' (that is a phone).</summary>
    [GeneratedRegex(
        @"(?<![\p{L}\p{Nd}+＋])\p{Nd}(?:[ \u00A0\u2009\u202F\-\u2010\u2011\u2012\u2013\uFF0D]?\p{Nd}){12,18}(?![\p{L}\p{Nd}])",
        RegexOptions.CultureInvariant)]
    private static partial Regex CardCandidate();

    /// <summary>
    /// An optional '+' (or '＋'), then digits with the separators and parentheses people type; not inside a path,
    /// a tag or an id ("/", "#", "-", "_" before it).
    /// </summary>
    [GeneratedRegex(
        @"(?<![\p{L}\p{Nd}#/\-_])[+＋]?[(（]?\p{Nd}[\p{Nd} \u00A0\u2009\u202F().（）/\-\u2010\u2011\u2012\u2013\uFF0D．]{5,}\p{Nd}(?![\p{L}\p{Nd}])",
        RegexOptions.CultureInvariant)]
    private static partial Regex PhoneCandidate();

    /// <summary>
    /// The candidate may run into the next word ("... 3000 IS"): drop trailing groups until the rest checks out,
    /// so the IBAN is masked and the word stays.
    /// </summary>
    private static string MaskIban(Match m)
    {
        var value = m.Value;
        for (var end = value.Length; end >= 15; end = LastGroupStart(value, end))
        {
            if (Mod97(value.AsSpan(0, end)))
            {
                return string.Concat(Iban, value.AsSpan(end));
            }
        }
        return value;
    }

    private static int LastGroupStart(string value, int end)
    {
        var separator = value.AsSpan(0, end).LastIndexOfAny(" \u00A0\u2009\u202F-");
        return separator < 0 ? -1 : separator;
    }

    /// <summary>ISO 13616: move the first four characters to the end, letters count 10..35, the remainder mod 97 is 1.</summary>
    private static bool Mod97(ReadOnlySpan<char> candidate)
    {
        Span<int> values = stackalloc int[candidate.Length];
        var count = 0;
        foreach (var c in candidate)
        {
            if (AlphaNumericValue(c) is { } value)
            {
                values[count++] = value;
            }
        }
        if (count is < 15 or > 34)
        {
            return false;
        }
        var remainder = 0;
        for (var i = 0; i < count; i++)
        {
            var value = values[(i + 4) % count];
            remainder = (value >= 10 ? remainder * 100 + value : remainder * 10 + value) % 97;
        }
        return remainder == 1 && values[0] >= 10 && values[1] >= 10 && values[2] < 10 && values[3] < 10;
    }

    private static int? AlphaNumericValue(char c)
    {
        if (CharUnicodeInfo.GetDecimalDigitValue(c) is var digit and >= 0)
        {
            return digit;
        }
        var folded = c is >= '\uFF21' and <= '\uFF3A' or >= '\uFF41' and <= '\uFF5A' ? (char)(c - 0xFEE0) : c;
        return char.IsAsciiLetter(folded) ? char.ToUpperInvariant(folded) - 'A' + 10 : null;
    }

    private static bool Luhn(ReadOnlySpan<char> candidate)
    {
        var sum = 0;
        var digits = 0;
        for (var i = candidate.Length - 1; i >= 0; i--)
        {
            var digit = CharUnicodeInfo.GetDecimalDigitValue(candidate[i]);
            if (digit < 0)
            {
                continue;
            }
            if (digits++ % 2 == 1)
            {
                digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
            }
            sum += digit;
        }
        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }

    /// <summary>7 to 15 digits that are not a date, a year range, a dotted address or an amount with thousands groups.</summary>
    private static bool IsPhone(string candidate)
    {
        var digits = new StringBuilder(candidate.Length);
        var shape = new StringBuilder(candidate.Length);
        foreach (var c in candidate)
        {
            var digit = CharUnicodeInfo.GetDecimalDigitValue(c);
            if (digit >= 0)
            {
                digits.Append((char)('0' + digit));
                shape.Append('9');
            }
            else
            {
                shape.Append(c is '\uFF0D' or '\u2010' or '\u2011' or '\u2012' or '\u2013' ? '-' : c is '\uFF0E' ? '.' : c);
            }
        }
        if (digits.Length is < MinPhoneDigits or > MaxPhoneDigits)
        {
            return false;
        }
        var international = candidate[0] is '+' or '\uFF0B' or '(' or '\uFF08';
        return international || !NotAPhone().IsMatch(shape.ToString());
    }

    /// <summary>
    /// Shapes (digits as 9) of numbers that are not phones: dates, year ranges, IPv4, amounts in thousands groups
    /// (with plain spaces only after a one- or two-digit lead: "612 345 678" is a Spanish mobile).
    /// </summary>
    [GeneratedRegex(
        @"^(?:9{4}[-./]9{1,2}[-./]9{1,2}|9{1,2}[-./]9{1,2}[-./]9{4}|9{4} ?- ?9{4}|9{1,3}(?:\.9{1,3}){3}|9{1,3}(?:[.\u00A0\u2009\u202F]999)+|9{1,2}(?: 999)+)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex NotAPhone();
}
