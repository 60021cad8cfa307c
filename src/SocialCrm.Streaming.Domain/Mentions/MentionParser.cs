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
/// Validates and reads a UTF-8 JSON mention in one forward pass (DESIGN.md, input contract).
/// Unknown fields are skipped; every rule that fails yields a machine-readable reason.
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
            var error = ReadField(ref reader, ref fields);
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

    private static Rejection? ReadField(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        if (reader.ValueTextEquals("id"u8)) return ReadString(ref reader, "id", 1, MaxIdLength, out fields.Id);
        if (reader.ValueTextEquals("platform"u8)) return ReadPlatform(ref reader, ref fields);
        if (reader.ValueTextEquals("brand"u8)) return ReadBrand(ref reader, ref fields);
        if (reader.ValueTextEquals("customerId"u8)) return ReadOptionalString(ref reader, "customerId", 1, MaxIdLength, out fields.CustomerId);
        if (reader.ValueTextEquals("author"u8)) return ReadAuthor(ref reader, ref fields);
        if (reader.ValueTextEquals("text"u8)) return ReadString(ref reader, "text", 0, MaxTextLength, out fields.Text);
        if (reader.ValueTextEquals("lang"u8)) return ReadLang(ref reader, ref fields);
        if (reader.ValueTextEquals("createdAt"u8)) return ReadTimestamp(ref reader, ref fields);
        if (reader.ValueTextEquals("kind"u8)) return ReadKind(ref reader, ref fields);
        if (reader.ValueTextEquals("inReplyTo"u8)) return ReadOptionalString(ref reader, "inReplyTo", 1, MaxIdLength, out fields.InReplyTo);
        if (reader.ValueTextEquals("rating"u8)) return ReadOptionalNumber(ref reader, "rating", 1, 5, out fields.Rating);
        if (reader.ValueTextEquals("metrics"u8)) return ReadMetrics(ref reader, ref fields);
        if (reader.ValueTextEquals("sentiment"u8)) return ReadOptionalNumber(ref reader, "sentiment", -1, 1, out fields.Sentiment);
        if (reader.ValueTextEquals("url"u8)) return ReadUrl(ref reader, ref fields);

        reader.Read();
        reader.Skip();
        return null;
    }

    private static Rejection? ReadString(ref Utf8JsonReader reader, string field, int minLength, int maxLength, out string? value)
    {
        value = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            return WrongType(field, "a string", reader.TokenType);
        }
        // The escaped length bounds the unescaped one from above, so a huge value is refused before it is allocated.
        var rawLength = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (rawLength > (long)maxLength * 6)
        {
            return new Rejection(RejectReason.InvalidField, $"{field} is longer than {maxLength} characters");
        }
        value = reader.GetString()!;
        if (value.Length < minLength || value.Length > maxLength)
        {
            var actual = value.Length;
            value = null;
            return new Rejection(RejectReason.InvalidField, $"{field} must have {minLength}..{maxLength} characters, has {actual}");
        }
        return null;
    }

    private static Rejection? ReadOptionalString(ref Utf8JsonReader reader, string field, int minLength, int maxLength, out string? value) =>
        ReadString(ref reader, field, minLength, maxLength, out value);

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
        var number = reader.GetDouble();
        if (double.IsNaN(number) || number < min || number > max)
        {
            return new Rejection(RejectReason.InvalidField, $"{field} must be within {min}..{max}, was {number}");
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
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out value))
        {
            return new Rejection(RejectReason.InvalidField, $"{field} must be a whole number");
        }
        if (value < 0)
        {
            return new Rejection(RejectReason.InvalidField, $"{field} must be >= 0, was {value}");
        }
        return null;
    }

    private static Rejection? ReadPlatform(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        var error = ReadString(ref reader, "platform", 1, 16, out var value);
        if (error is not null || value is null)
        {
            return error;
        }
        if (!PlatformNames.TryParsePlatform(value, out var platform))
        {
            return new Rejection(RejectReason.InvalidField, $"platform '{value}' is not one of x, twitter, facebook, instagram, reddit, youtube, tiktok, review, forum, other");
        }
        fields.Platform = platform;
        return null;
    }

    private static Rejection? ReadKind(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        var error = ReadString(ref reader, "kind", 1, 16, out var value);
        if (error is not null || value is null)
        {
            return error;
        }
        if (!PlatformNames.TryParseKind(value, out var kind))
        {
            return new Rejection(RejectReason.InvalidField, $"kind '{value}' is not one of post, reply, share, review, comment, dm");
        }
        fields.Kind = kind;
        return null;
    }

    private static readonly SearchValues<char> BrandCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-");

    private static Rejection? ReadBrand(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        var error = ReadString(ref reader, "brand", 1, MaxBrandLength, out var value);
        if (error is not null || value is null)
        {
            return error;
        }
        if (value.AsSpan().ContainsAnyExcept(BrandCharacters))
        {
            return new Rejection(RejectReason.InvalidField, $"brand '{value}' must match [a-z0-9_-]{{1,64}}");
        }
        fields.Brand = value;
        return null;
    }

    private static Rejection? ReadLang(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        var error = ReadString(ref reader, "lang", 2, 35, out var value);
        if (error is not null || value is null)
        {
            return error;
        }
        if (!IsLanguageTag(value))
        {
            return new Rejection(RejectReason.InvalidField, $"lang '{value}' is not a BCP-47 language tag");
        }
        fields.Lang = value;
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
    private static bool IsLanguageTag(string value)
    {
        var first = true;
        foreach (var range in value.AsSpan().Split('-'))
        {
            var subtag = value.AsSpan()[range];
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
        // RFC 3339 demands an explicit offset; without one the instant would depend on the reader's time zone.
        if (!reader.TryGetDateTimeOffset(out var createdAt) || !HasExplicitOffset(ref reader))
        {
            return new Rejection(RejectReason.InvalidField, "createdAt must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T10:15:00Z");
        }
        fields.CreatedAt = createdAt;
        return null;
    }

    private static bool HasExplicitOffset(ref Utf8JsonReader reader)
    {
        const int MaxTimestampBytes = 64;
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
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            Rejection? error = null;
            if (reader.ValueTextEquals("id"u8)) error = ReadString(ref reader, "author.id", 1, MaxIdLength, out id);
            else if (reader.ValueTextEquals("handle"u8)) error = ReadOptionalString(ref reader, "author.handle", 0, MaxIdLength, out handle);
            else if (reader.ValueTextEquals("followers"u8)) error = ReadCount(ref reader, "author.followers", out followers);
            else if (reader.ValueTextEquals("verified"u8)) error = ReadBoolean(ref reader, "author.verified", out verified);
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
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            Rejection? error = null;
            if (reader.ValueTextEquals("likes"u8)) error = ReadCount(ref reader, "metrics.likes", out likes);
            else if (reader.ValueTextEquals("shares"u8)) error = ReadCount(ref reader, "metrics.shares", out shares);
            else if (reader.ValueTextEquals("replies"u8)) error = ReadCount(ref reader, "metrics.replies", out replies);
            else if (reader.ValueTextEquals("views"u8)) error = ReadCount(ref reader, "metrics.views", out views);
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

    /// <summary>What has been read so far; required fields are checked once the object is complete.</summary>
    private struct MentionFields
    {
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
