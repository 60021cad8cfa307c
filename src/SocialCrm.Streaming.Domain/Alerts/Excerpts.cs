using System.Text.RegularExpressions;
using SocialCrm.Streaming.Domain.Privacy;

namespace SocialCrm.Streaming.Domain.Alerts;

/// <summary>Evidence excerpts: at most <see cref="MaxLength"/> characters, identifiers masked by <see cref="TextRedactor"/>.</summary>
public static partial class Excerpts
{
    public const int MaxLength = 160;
    /// <summary>Stands in for the text of a customer who has not consented to processing.</summary>
    public const string Withheld = "[withheld: no consent]";

    public static string Make(string text)
    {
        // Redact first (so a cut never leaves half an address visible), then cut at a word boundary.
        var redacted = TextRedactor.Redact(text);
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

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhitespaceRuns();
}
