using System.Text.RegularExpressions;

namespace SocialCrm.Streaming.Domain.Alerts;

/// <summary>Evidence excerpts: at most <see cref="MaxLength"/> characters, e-mail addresses and phone numbers redacted.</summary>
public static partial class Excerpts
{
    public const int MaxLength = 160;
    public const string Email = "[email]";
    public const string Phone = "[phone]";
    /// <summary>Stands in for the text of a customer who has not consented to processing.</summary>
    public const string Withheld = "[withheld: no consent]";

    public static string Make(string text)
    {
        // Redact first (so a cut never leaves half an address visible), then cut at a word boundary.
        var redacted = Redact(text);
        redacted = WhitespaceRuns().Replace(redacted, " ").Trim();
        if (redacted.Length <= MaxLength)
        {
            return redacted;
        }
        var cut = redacted.LastIndexOf(' ', MaxLength - 1);
        if (cut < MaxLength / 2)
        {
            cut = MaxLength - 1;
        }
        if (char.IsHighSurrogate(redacted[cut - 1]))
        {
            cut--;
        }
        return string.Concat(redacted.AsSpan(0, cut).TrimEnd(), "\u2026");
    }

    public static string Redact(string text)
    {
        var result = EmailAddress().Replace(text, Email);
        return PhoneNumber().Replace(result, static m => CountDigits(m.ValueSpan) >= 7 && !IsoDate().IsMatch(m.ValueSpan) ? Phone : m.Value);
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailAddress();

    /// <summary>7+ digits, optionally with a leading + and separators (space, dot, dash, parentheses).</summary>
    [GeneratedRegex(@"(?<![\w])\+?\(?\d[\d\s().\-]{5,}\d(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneNumber();

    private static int CountDigits(ReadOnlySpan<char> value)
    {
        var digits = 0;
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c)) digits++;
        }
        return digits;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhitespaceRuns();
}
