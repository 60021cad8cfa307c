using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>The result of parsing one payload: a mention, or why it is not one.</summary>
public readonly record struct ParseOutcome(Mention? Mention, Rejection? Rejection)
{
    public bool IsValid => Mention is not null;

    public static ParseOutcome Valid(Mention mention) => new(mention, null);

    public static ParseOutcome Invalid(RejectReason reason, string detail) => new(null, new Rejection(reason, detail));
}

/// <summary>
/// Validates and reads a UTF-8 JSON mention in one forward pass (the input contract, topology/schemas/mention.schema.json).
/// Unknown fields are skipped; every rule that fails yields a machine-readable reason. Any bytes give a mention or a
/// rejection, never an exception (tests/SocialCrm.Streaming.Fuzz.Tests checks it).
/// </summary>
public static class MentionParser
{
    /// <summary>10,000 characters of text may take up to 60 KB once JSON-escaped; anything beyond this is not a mention.</summary>
    public const int MaxPayloadBytes = 128 * 1024;
    public const int MaxTextLength = 10_000;
    public const int MaxIdLength = 128;
    public const int MaxUrlLength = 2_048;
    public const int MaxBrandLength = 64;
    /// <summary>A mention is two levels deep (author, metrics); unknown fields get a little room, not unbounded recursion.</summary>
    public const int MaxDepth = 8;

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static ParseOutcome Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > MaxPayloadBytes)
        {
            return ParseOutcome.Invalid(RejectReason.TooLarge, $"payload is {utf8Json.Length} bytes, the limit is {MaxPayloadBytes}");
        }
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            return ParseOutcome.Invalid(RejectReason.InvalidUtf8, "payload is not valid UTF-8");
        }

        // RFC 8259 lets a parser ignore a leading byte order mark; files saved by editors carry one.
        if (utf8Json.StartsWith(Utf8Bom))
        {
            utf8Json = utf8Json[Utf8Bom.Length..];
        }
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        try
        {
            return ReadMention(ref reader);
        }
        catch (JsonException ex) when (reader.CurrentDepth >= MaxDepth - 1 && ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return ParseOutcome.Invalid(RejectReason.TooDeep, $"nesting exceeds {MaxDepth} levels");
        }
        catch (JsonException ex)
        {
            return ParseOutcome.Invalid(RejectReason.InvalidJson, ex.Message);
        }
    }

    private static ParseOutcome ReadMention(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            return ParseOutcome.Invalid(RejectReason.InvalidJson, "payload is empty");
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return ParseOutcome.Invalid(RejectReason.NotAnObject, $"payload is {Describe(reader.TokenType)}, not an object");
        }

        var fields = new MentionFields();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var error = NameIsText(ref reader, "") ?? ReadField(ref reader, ref fields);
            if (error is not null)
            {
                return new ParseOutcome(null, error);
            }
        }
        // Reading past the object checks that nothing but whitespace follows it.
        if (reader.Read())
        {
            return ParseOutcome.Invalid(RejectReason.InvalidJson, "content after the mention object");
        }
        return fields.Build();
    }

    /// <summary>The fields of the contract; each may appear once (a second one is ambiguous, not "last wins").</summary>
    private enum Field { Id, Platform, Brand, CustomerId, Author, Text, Lang, CreatedAt, Kind, InReplyTo, Rating, Metrics, Sentiment, Url }

    /// <summary>The wire names of <see cref="Field"/>, in its order.</summary>
    private static readonly string[] FieldNames =
        ["id", "platform", "brand", "customerId", "author", "text", "lang", "createdAt", "kind", "inReplyTo", "rating", "metrics", "sentiment", "url"];

    private static readonly byte[][] Utf8FieldNames = [.. FieldNames.Select(Encoding.UTF8.GetBytes)];

    private static Field? KnownField(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < Utf8FieldNames.Length; i++)
        {
            if (reader.ValueTextEquals(Utf8FieldNames[i]))
            {
                return (Field)i;
            }
        }
        return null;
    }

    private static Rejection? ReadField(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        if (KnownField(ref reader) is not { } field)
        {
            reader.Read();
            reader.Skip();
            return null;
        }
        if (!fields.MarkSeen(field))
        {
            return Duplicate(FieldName(field));
        }
        return field switch
        {
            Field.Id => ReadString(ref reader, "id", 1, MaxIdLength, out fields.Id),
            Field.Platform => ReadPlatform(ref reader, ref fields),
            Field.Brand => ReadBrand(ref reader, ref fields),
            Field.CustomerId => ReadCustomerId(ref reader, ref fields),
            Field.Author => ReadAuthor(ref reader, ref fields),
            Field.Text => ReadString(ref reader, "text", 0, MaxTextLength, out fields.Text),
            Field.Lang => ReadLang(ref reader, ref fields),
            Field.CreatedAt => ReadTimestamp(ref reader, ref fields),
            Field.Kind => ReadKind(ref reader, ref fields),
            Field.InReplyTo => ReadString(ref reader, "inReplyTo", 1, MaxIdLength, out fields.InReplyTo),
            Field.Rating => ReadOptionalNumber(ref reader, "rating", 1, 5, out fields.Rating),
            Field.Metrics => ReadMetrics(ref reader, ref fields),
            Field.Sentiment => ReadOptionalNumber(ref reader, "sentiment", -1, 1, out fields.Sentiment),
            Field.Url => ReadUrl(ref reader, ref fields),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "a known field without a reader"),
        };
    }

    private static string FieldName(Field field) => FieldNames[(int)field];

    private static Rejection Duplicate(string field) =>
        new(RejectReason.DuplicateField, $"{field} appears more than once; which one is meant is ambiguous");

    private static Rejection? ReadString(ref Utf8JsonReader reader, string field, int minLength, int maxLength, out string? value)
    {
        value = null;
        var refused = ReadStringToken(ref reader, field, maxLength, out var isNull);
        if (refused is not null || isNull)
        {
            return refused;
        }
        if (!TryGetText(ref reader, out var text))
        {
            return NotText(field);
        }
        if (LengthOutside(field, text.Length, minLength, maxLength) is { } wrongLength)
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
            return WrongType(field, "a string", reader.TokenType);
        }
        var rawLength = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        return rawLength > (long)maxLength * 6
            ? new Rejection(RejectReason.InvalidField, $"{field} is longer than {maxLength} characters")
            : null;
    }

    private static Rejection NotText(string field) =>
        new(RejectReason.InvalidText, $"{field} is not valid text: an escape decodes to an unpaired surrogate");

    private static Rejection? LengthOutside(string field, int length, int minLength, int maxLength) =>
        length < minLength || length > maxLength
            ? new Rejection(RejectReason.InvalidField, $"{field} must have {minLength}..{maxLength} characters, has {length}")
            : null;

    /// <summary>The longest platform or kind name.</summary>
    private const int MaxNameLength = 16;
    private const int MaxLangLength = 35;

    [ThreadStatic]
    private static RecentStrings? t_recentBrands;
    [ThreadStatic]
    private static RecentStrings? t_recentLangs;

    /// <summary>
    /// As <see cref="ReadString"/>, for a short value of a few distinct ones (platform, kind, brand, lang): read into
    /// <paramref name="buffer"/> so a mention makes no string of it. The buffer must hold <paramref name="maxLength"/> * 6
    /// characters (the escaped value is refused beyond 6 bytes per character, and has no more characters than bytes).
    /// The length is -1 when the value is null.
    /// </summary>
    private static Rejection? ReadName(ref Utf8JsonReader reader, string field, int minLength, int maxLength, scoped Span<char> buffer, out int length)
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
            return NotText(field);
        }
        if (LengthOutside(field, copied, minLength, maxLength) is { } wrongLength)
        {
            return wrongLength;
        }
        length = copied;
        return null;
    }

    /// <summary>A field name must be text before it can be compared with the known ones (see <see cref="TryGetText"/>).</summary>
    private static Rejection? NameIsText(ref Utf8JsonReader reader, string prefix) =>
        !reader.ValueIsEscaped || TryGetText(ref reader, out _)
            ? null
            : new Rejection(RejectReason.InvalidText, $"a field name in {(prefix.Length == 0 ? "the mention" : prefix.TrimEnd('.'))} is not valid text: an escape decodes to an unpaired surrogate");

    /// <summary>
    /// The payload is valid UTF-8, but a JSON escape can still spell a lone surrogate (<c>"\ud800"</c>), which is
    /// no text at all: the reader refuses to decode it, and nothing downstream (UTF-8 keys, Redis, Kafka) could carry it.
    /// </summary>
    private static bool TryGetText(ref Utf8JsonReader reader, out string text)
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

    private static Rejection? ReadOptionalNumber(ref Utf8JsonReader reader, string field, double min, double max, out double? value)
    {
        value = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.Number)
        {
            return WrongType(field, "a number", reader.TokenType);
        }
        // A literal beyond the double range (1e309) is not a number we can compare; it is out of range like any other.
        if (!reader.TryGetDouble(out var number) || !double.IsFinite(number) || number < min || number > max)
        {
            return new Rejection(RejectReason.InvalidField, $"{field} must be a number within {min}..{max}");
        }
        value = number;
        return null;
    }

    private static Rejection? ReadCount(ref Utf8JsonReader reader, string field, out long value)
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

    /// <summary>
    /// A customer id is the whole local part of its entity id (<c>{brand}:{customerId}</c>); a colon in it would
    /// make <c>x:123</c> the same entity as the prospect on platform x with author 123, so it is refused.
    /// </summary>
    private static Rejection? ReadCustomerId(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        var error = ReadString(ref reader, "customerId", 1, MaxIdLength, out var value);
        if (error is not null || value is null)
        {
            return error;
        }
        if (!EntityId.IsCustomerId(value))
        {
            return new Rejection(RejectReason.InvalidField, "customerId must not contain ':' (it would collide with a prospect's platform:authorId)");
        }
        fields.CustomerId = value;
        return null;
    }

    private static Rejection? ReadPlatform(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        Span<char> buffer = stackalloc char[MaxNameLength * 6];
        var error = ReadName(ref reader, "platform", 1, MaxNameLength, buffer, out var length);
        if (error is not null || length < 0)
        {
            return error;
        }
        ReadOnlySpan<char> value = buffer[..length];
        if (!PlatformNames.TryParsePlatform(value, out var platform))
        {
            return new Rejection(RejectReason.InvalidField, $"platform '{value}' is not one of x, twitter, facebook, instagram, reddit, youtube, tiktok, review, forum, other");
        }
        fields.Platform = platform;
        return null;
    }

    private static Rejection? ReadKind(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        Span<char> buffer = stackalloc char[MaxNameLength * 6];
        var error = ReadName(ref reader, "kind", 1, MaxNameLength, buffer, out var length);
        if (error is not null || length < 0)
        {
            return error;
        }
        ReadOnlySpan<char> value = buffer[..length];
        if (!PlatformNames.TryParseKind(value, out var kind))
        {
            return new Rejection(RejectReason.InvalidField, $"kind '{value}' is not one of post, reply, share, review, comment, dm");
        }
        fields.Kind = kind;
        return null;
    }

    private static readonly SearchValues<char> BrandCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>The brand rule of the input contract: <c>[a-z0-9_-]{1,64}</c>.</summary>
    public static bool IsValidBrand(string brand) =>
        brand.Length is >= 1 and <= MaxBrandLength && !brand.AsSpan().ContainsAnyExcept(BrandCharacters);

    private static Rejection? ReadBrand(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        Span<char> buffer = stackalloc char[MaxBrandLength * 6];
        var error = ReadName(ref reader, "brand", 1, MaxBrandLength, buffer, out var length);
        if (error is not null || length < 0)
        {
            return error;
        }
        ReadOnlySpan<char> value = buffer[..length];
        if (value.ContainsAnyExcept(BrandCharacters))
        {
            return new Rejection(RejectReason.InvalidField, $"brand '{value}' must match [a-z0-9_-]{{1,64}}");
        }
        fields.Brand = (t_recentBrands ??= new RecentStrings()).Get(value);
        return null;
    }

    private static Rejection? ReadLang(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        Span<char> buffer = stackalloc char[MaxLangLength * 6];
        var error = ReadName(ref reader, "lang", 2, MaxLangLength, buffer, out var length);
        if (error is not null || length < 0)
        {
            return error;
        }
        ReadOnlySpan<char> value = buffer[..length];
        if (!IsLanguageTag(value))
        {
            return new Rejection(RejectReason.InvalidField, $"lang '{value}' is not a BCP-47 language tag");
        }
        fields.Lang = (t_recentLangs ??= new RecentStrings()).Get(value);
        return null;
    }

    /// <summary>The post's link: an absolute http(s) URL, so a care tool can show it as a link without running anything else.</summary>
    private static Rejection? ReadUrl(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        var error = ReadString(ref reader, "url", 1, MaxUrlLength, out var value);
        if (error is not null || value is null)
        {
            return error;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return new Rejection(RejectReason.InvalidField, "url must be an absolute http or https URL");
        }
        fields.Url = value;
        return null;
    }

    /// <summary>The shape of BCP-47: a 2..8 letter primary subtag, then 1..8 alphanumeric subtags joined by hyphens.</summary>
    private static bool IsLanguageTag(ReadOnlySpan<char> value)
    {
        var first = true;
        foreach (var range in value.Split('-'))
        {
            var subtag = value[range];
            if (subtag.Length is 0 or > 8 || (first && (subtag.Length < 2 || !subtag.ContainsOnlyAsciiLetters()))
                || subtag.ContainsAnyExcept(LanguageTagCharacters))
            {
                return false;
            }
            first = false;
        }
        return true;
    }

    private static readonly SearchValues<char> LanguageTagCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

    private static bool ContainsOnlyAsciiLetters(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiLetter(c)) return false;
        }
        return true;
    }

    private static Rejection? ReadTimestamp(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            return WrongType("createdAt", "an RFC 3339 string", reader.TokenType);
        }
        if (reader.ValueIsEscaped && !TryGetText(ref reader, out _))
        {
            return new Rejection(RejectReason.InvalidText, "createdAt is not valid text: an escape decodes to an unpaired surrogate");
        }
        // RFC 3339 demands an explicit offset; without one the instant would depend on the reader's time zone.
        if (!TryGetTimestamp(ref reader, out var createdAt) || !HasExplicitOffset(ref reader))
        {
            return new Rejection(RejectReason.InvalidField, "createdAt must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T10:15:00Z");
        }
        if (!EventTime.IsWithinContract(createdAt))
        {
            return new Rejection(RejectReason.EventTimeOutOfRange, $"createdAt must lie within {EventTime.Describe()}");
        }
        fields.CreatedAt = createdAt;
        return null;
    }

    /// <summary>The longest timestamp text looked at: RFC 3339 with nine fraction digits is 35 bytes.</summary>
    private const int MaxTimestampBytes = 64;

    /// <summary>
    /// The reader's ISO 8601 parser takes only an upper-case 'T' and 'Z', which RFC 3339 lets a producer write in lower
    /// case: such a timestamp is parsed again from an upper-cased copy.
    /// </summary>
    private static bool TryGetTimestamp(ref Utf8JsonReader reader, out DateTimeOffset value)
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

    private static bool HasExplicitOffset(ref Utf8JsonReader reader)
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

    private static Rejection? ReadAuthor(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return WrongType("author", "an object", reader.TokenType);
        }
        string? id = null, handle = null;
        long followers = 0;
        var verified = false;
        var seen = new SeenNames();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (NameIsText(ref reader, "author.") is { } notText)
            {
                return notText;
            }
            Rejection? error = null;
            if (reader.ValueTextEquals("id"u8)) error = seen.First(0, "author.id") ?? ReadString(ref reader, "author.id", 1, MaxIdLength, out id);
            else if (reader.ValueTextEquals("handle"u8)) error = seen.First(1, "author.handle") ?? ReadString(ref reader, "author.handle", 0, MaxIdLength, out handle);
            else if (reader.ValueTextEquals("followers"u8)) error = seen.First(2, "author.followers") ?? ReadCount(ref reader, "author.followers", out followers);
            else if (reader.ValueTextEquals("verified"u8)) error = seen.First(3, "author.verified") ?? ReadBoolean(ref reader, "author.verified", out verified);
            else
            {
                reader.Read();
                reader.Skip();
            }
            if (error is not null) return error;
        }
        if (id is null)
        {
            return new Rejection(RejectReason.MissingField, "author.id is required");
        }
        fields.Author = new Author(id, handle, followers, verified);
        return null;
    }

    private static Rejection? ReadBoolean(ref Utf8JsonReader reader, string field, out bool value)
    {
        value = false;
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.True: value = true; return null;
            case JsonTokenType.False or JsonTokenType.Null: return null;
            default: return WrongType(field, "true or false", reader.TokenType);
        }
    }

    private static Rejection? ReadMetrics(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return WrongType("metrics", "an object", reader.TokenType);
        }
        long likes = 0, shares = 0, replies = 0, views = 0;
        var seen = new SeenNames();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (NameIsText(ref reader, "metrics.") is { } notText)
            {
                return notText;
            }
            Rejection? error = null;
            if (reader.ValueTextEquals("likes"u8)) error = seen.First(0, "metrics.likes") ?? ReadCount(ref reader, "metrics.likes", out likes);
            else if (reader.ValueTextEquals("shares"u8)) error = seen.First(1, "metrics.shares") ?? ReadCount(ref reader, "metrics.shares", out shares);
            else if (reader.ValueTextEquals("replies"u8)) error = seen.First(2, "metrics.replies") ?? ReadCount(ref reader, "metrics.replies", out replies);
            else if (reader.ValueTextEquals("views"u8)) error = seen.First(3, "metrics.views") ?? ReadCount(ref reader, "metrics.views", out views);
            else
            {
                reader.Read();
                reader.Skip();
            }
            if (error is not null) return error;
        }
        fields.Metrics = likes == 0 && shares == 0 && replies == 0 && views == 0
            ? EngagementMetrics.None
            : new EngagementMetrics(likes, shares, replies, views);
        return null;
    }

    private static Rejection WrongType(string field, string expected, JsonTokenType actual) =>
        new(RejectReason.InvalidField, $"{field} must be {expected}, was {Describe(actual)}");

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>Which of a nested object's known fields were read (bit per field), so a second one is refused.</summary>
    private struct SeenNames
    {
        private int _bits;

        public Rejection? First(int bit, string field)
        {
            var mask = 1 << bit;
            if ((_bits & mask) != 0)
            {
                return Duplicate(field);
            }
            _bits |= mask;
            return null;
        }
    }

    /// <summary>What has been read so far; required fields are checked once the object is complete.</summary>
    private struct MentionFields
    {
        private int _seen;

        /// <summary>False when the field was already read.</summary>
        public bool MarkSeen(Field field)
        {
            var mask = 1 << (int)field;
            var first = (_seen & mask) == 0;
            _seen |= mask;
            return first;
        }

        public string? Id, Brand, CustomerId, Text, Lang, InReplyTo, Url;
        public Platform? Platform;
        public Author? Author;
        public DateTimeOffset? CreatedAt;
        public MentionKind Kind;
        public double? Rating, Sentiment;
        public EngagementMetrics? Metrics;

        public readonly ParseOutcome Build()
        {
            var missing = Id is null ? "id"
                : Platform is null ? "platform"
                : Brand is null ? "brand"
                : Author is null ? "author"
                : Text is null ? "text"
                : CreatedAt is null ? "createdAt"
                : null;
            if (missing is not null)
            {
                return ParseOutcome.Invalid(RejectReason.MissingField, $"{missing} is required");
            }
            return ParseOutcome.Valid(new Mention
            {
                Id = Id!,
                Platform = Platform!.Value,
                Brand = Brand!,
                CustomerId = CustomerId,
                Author = Author!,
                Text = Text!,
                Lang = Lang,
                CreatedAt = CreatedAt!.Value,
                Kind = Kind,
                InReplyTo = InReplyTo,
                Rating = Rating,
                Metrics = Metrics ?? EngagementMetrics.None,
                Sentiment = Sentiment,
                Url = Url,
            });
        }
    }
}
