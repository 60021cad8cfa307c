using System.Buffers;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Privacy;

namespace SocialCrm.Streaming.Domain.Alerts;

/// <summary>Evidence excerpts: at most <see cref="MaxLength"/> characters, identifiers masked by <see cref="TextRedactor"/>.</summary>
public static class Excerpts
{
    public const int MaxLength = 160;
    /// <summary>Stands in for the text of a customer who has not consented to processing.</summary>
    public const string Withheld = "[withheld: no consent]";

    /// <summary>Texts up to this length are cut in a stack buffer; longer ones in a pooled one.</summary>
    private const int StackChars = 512;

    public static string Make(string text)
    {
        var redacted = TextRedactor.Redact(text);
        char[]? rented = null;
        var buffer = redacted.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(redacted.Length));
        try
        {
            var excerpt = Cut(redacted, buffer);
            return excerpt.SequenceEqual(redacted) ? redacted : new string(excerpt);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Writes <see cref="Make"/>'s excerpt as a JSON string property, without making a string of it.</summary>
    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> propertyName, string text)
    {
        var redacted = TextRedactor.Redact(text);
        char[]? rented = null;
        var buffer = redacted.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(redacted.Length));
        try
        {
            writer.WriteString(propertyName, Cut(redacted, buffer));
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The redacted text (redacted first, so a cut never leaves half an address visible) with every whitespace run
    /// made one space and trimmed, then cut at a word boundary. <paramref name="buffer"/> holds at least the text.
    /// </summary>
    private static ReadOnlySpan<char> Cut(string redacted, Span<char> buffer)
    {
        var length = 0;
        var inSpace = true; // drops leading whitespace
        foreach (var c in redacted)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!inSpace) buffer[length++] = ' ';
                inSpace = true;
                continue;
            }
            buffer[length++] = c;
            inSpace = false;
        }
        if (length > 0 && buffer[length - 1] == ' ')
        {
            length--;
        }
        if (length <= MaxLength)
        {
            return buffer[..length];
        }
        var cut = buffer[..MaxLength].LastIndexOf(' ');
        if (cut < MaxLength / 2)
        {
            cut = MaxLength - 1;
        }
        if (char.IsHighSurrogate(buffer[cut - 1]))
        {
            cut--;
        }
        var kept = buffer[..cut].TrimEnd().Length;
        buffer[kept] = '\u2026';
        return buffer[..(kept + 1)];
    }
}
