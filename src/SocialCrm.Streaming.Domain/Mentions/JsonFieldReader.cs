using System.Text.Json;

namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>
/// Reads a field's value by its JSON kind (text, number, count, boolean, timestamp) within bounds the caller gives; the
/// Read methods start on the field's name. A value that breaks a rule is a rejection, never an exception.
/// </summary>
internal static class JsonFieldReader
{
    public static Rejection? ReadString(ref Utf8JsonReader reader, string field, int minLength, int maxLength, out string? value)
    {
        value = null;
        var refused = ReadStringToken(ref reader, field, maxLength, out var isNull);
        if (refused is not null || isNull)
        {
            return refused;
        }
        if (!TryGetText(ref reader, out var text))
        {
            return FieldRejections.NotText(field);
        }
        if (FieldRejections.LengthOutside(field, text.Length, minLength, maxLength) is { } wrongLength)
        {
            return wrongLength;
        }
        value = text;
        return null;
    }

    /// <summary>
    /// Reads the next token, which must be a string or null, and refuses a string whose escaped length already exceeds
    /// <paramref name="maxLength"/> (the escaped length bounds the unescaped one from above), before it is decoded.
    /// </summary>
    private static Rejection? ReadStringToken(ref Utf8JsonReader reader, string field, int maxLength, out bool isNull)
    {
        reader.Read();
        isNull = reader.TokenType == JsonTokenType.Null;
        if (isNull)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            return FieldRejections.WrongType(field, "a string", reader.TokenType);
        }
        var rawLength = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        return rawLength > (long)maxLength * 6
            ? new Rejection(RejectReason.InvalidField, $"{field} is longer than {maxLength} characters")
            : null;
    }

    /// <summary>
    /// As <see cref="ReadString"/>, for a short value of a few distinct ones (platform, kind, brand, lang): read into
    /// <paramref name="buffer"/> so a mention makes no string of it. The buffer must hold <paramref name="maxLength"/> * 6
    /// characters (the escaped value is refused beyond 6 bytes per character, and has no more characters than bytes).
    /// The length is -1 when the value is null.
    /// </summary>
    public static Rejection? ReadName(ref Utf8JsonReader reader, string field, int minLength, int maxLength, scoped Span<char> buffer, out int length)
    {
        length = -1;
        var refused = ReadStringToken(ref reader, field, maxLength, out var isNull);
        if (refused is not null || isNull)
        {
            return refused;
        }
        int copied;
        try
        {
            copied = reader.CopyString(buffer);
        }
        catch (InvalidOperationException)
        {
            return FieldRejections.NotText(field);
        }
        if (FieldRejections.LengthOutside(field, copied, minLength, maxLength) is { } wrongLength)
        {
            return wrongLength;
        }
        length = copied;
        return null;
    }

    /// <summary>A field name must be text before it can be compared with the known ones (see <see cref="TryGetText"/>).</summary>
    public static Rejection? NameIsText(ref Utf8JsonReader reader, string prefix) =>
        !reader.ValueIsEscaped || TryGetText(ref reader, out _)
            ? null
            : new Rejection(RejectReason.InvalidText, $"a field name in {(prefix.Length == 0 ? "the mention" : prefix.TrimEnd('.'))} is not valid text: an escape decodes to an unpaired surrogate");

    /// <summary>
    /// The payload is valid UTF-8, but a JSON escape can still spell a lone surrogate (<c>"\ud800"</c>), which is
    /// no text at all: the reader refuses to decode it, and nothing downstream (UTF-8 keys, Redis, Kafka) could carry it.
    /// </summary>
    public static bool TryGetText(ref Utf8JsonReader reader, out string text)
    {
        try
        {
            text = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    public static Rejection? ReadOptionalNumber(ref Utf8JsonReader reader, string field, double min, double max, out double? value)
    {
        value = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.Number)
        {
            return FieldRejections.WrongType(field, "a number", reader.TokenType);
        }
        // A literal beyond the double range (1e309) is not a number we can compare; it is out of range like any other.
        if (!reader.TryGetDouble(out var number) || !double.IsFinite(number) || number < min || number > max)
        {
            return new Rejection(RejectReason.InvalidField, $"{field} must be a number within {min}..{max}");
        }
        value = number;
        return null;
    }

    public static Rejection? ReadCount(ref Utf8JsonReader reader, string field, out long value)
    {
        value = 0;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.Number)
        {
            return new Rejection(RejectReason.InvalidField, $"{field} must be a whole number");
        }
        // JSON Schema's integer is any number without a fraction: producers that carry counts as doubles write 1000.0
        // or 1e3, and those are 1000 here too.
        if (!reader.TryGetInt64(out value) && !TryGetWholeDouble(ref reader, out value))
        {
            return new Rejection(RejectReason.InvalidField, $"{field} must be a whole number within 0..{long.MaxValue}");
        }
        if (value < 0)
        {
            return new Rejection(RejectReason.InvalidField, $"{field} must be >= 0, was {value}");
        }
        return null;
    }

    /// <summary>A number written with a fraction or an exponent whose value is whole and fits a long.</summary>
    private static bool TryGetWholeDouble(ref Utf8JsonReader reader, out long value)
    {
        // 2^63 is the first double beyond long.MaxValue (which itself rounds up to it as a double).
        const double TwoToThe63 = 9223372036854775808.0;
        value = 0;
        if (!reader.TryGetDouble(out var number) || number != Math.Floor(number) || number < -TwoToThe63 || number >= TwoToThe63)
        {
            return false;
        }
        value = (long)number;
        return true;
    }

    public static Rejection? ReadBoolean(ref Utf8JsonReader reader, string field, out bool value)
    {
        value = false;
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.True: value = true; return null;
            case JsonTokenType.False or JsonTokenType.Null: return null;
            default: return FieldRejections.WrongType(field, "true or false", reader.TokenType);
        }
    }

    /// <summary>The longest timestamp text looked at: RFC 3339 with nine fraction digits is 35 bytes.</summary>
    private const int MaxTimestampBytes = 64;

    /// <summary>
    /// The reader's ISO 8601 parser takes only an upper-case 'T' and 'Z', which RFC 3339 lets a producer write in lower
    /// case: such a timestamp is parsed again from an upper-cased copy.
    /// </summary>
    public static bool TryGetTimestamp(ref Utf8JsonReader reader, out DateTimeOffset value)
    {
        if (reader.TryGetDateTimeOffset(out value))
        {
            return true;
        }
        var rawLength = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (rawLength > MaxTimestampBytes)
        {
            return false;
        }
        // The copy is quoted again as a JSON string, so that the same parser reads it; only a timestamp's characters
        // are let through, so the copy is always a valid JSON string.
        Span<byte> quoted = stackalloc byte[MaxTimestampBytes + 2];
        var length = reader.CopyString(quoted[1..]);
        var text = quoted.Slice(1, length);
        if (text.ContainsAnyExcept("0123456789-+:.TtZz"u8) || !(text.Contains((byte)'t') || text.EndsWith("z"u8)))
        {
            return false;
        }
        text.Replace((byte)'t', (byte)'T');
        text.Replace((byte)'z', (byte)'Z');
        quoted[0] = (byte)'"';
        quoted[length + 1] = (byte)'"';
        var copy = new Utf8JsonReader(quoted[..(length + 2)]);
        return copy.Read() && copy.TryGetDateTimeOffset(out value);
    }

    public static bool HasExplicitOffset(ref Utf8JsonReader reader)
    {
        var rawLength = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (rawLength > MaxTimestampBytes)
        {
            return false;
        }
        // Producers may escape characters ("+" as \u002B), so look at the unescaped value.
        Span<byte> buffer = stackalloc byte[MaxTimestampBytes];
        scoped ReadOnlySpan<byte> value = reader.ValueIsEscaped || reader.HasValueSequence
            ? buffer[..reader.CopyString(buffer)]
            : reader.ValueSpan;
        return value.Length > 6 && (value[^1] is (byte)'Z' or (byte)'z' || (value[^3] == (byte)':' && value[^6] is (byte)'+' or (byte)'-'));
    }
}
