using System.Buffers;
using System.Text.Json;

namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>
/// Readers of the mention's single-value fields that have a rule of their own beyond their JSON kind (a known name,
/// the brand's characters, a language tag, a customer id without ':', an http(s) URL, a timestamp within the
/// contract); each stores what it read into <see cref="MentionFields"/>.
/// </summary>
internal static class MentionFieldReaders
{
    /// <summary>The longest platform or kind name.</summary>
    private const int MaxNameLength = 16;
    private const int MaxLangLength = 35;

    [ThreadStatic]
    private static RecentStrings? t_recentBrands;
    [ThreadStatic]
    private static RecentStrings? t_recentLangs;

    /// <summary>
    /// A customer id is the whole local part of its entity id (<c>{brand}:{customerId}</c>); a colon in it would
    /// make <c>x:123</c> the same entity as the prospect on platform x with author 123, so it is refused.
    /// </summary>
    public static Rejection? ReadCustomerId(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        var error = JsonFieldReader.ReadString(ref reader, "customerId", 1, MentionParser.MaxIdLength, out var value);
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

    public static Rejection? ReadPlatform(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        Span<char> buffer = stackalloc char[MaxNameLength * 6];
        var error = JsonFieldReader.ReadName(ref reader, "platform", 1, MaxNameLength, buffer, out var length);
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

    public static Rejection? ReadKind(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        Span<char> buffer = stackalloc char[MaxNameLength * 6];
        var error = JsonFieldReader.ReadName(ref reader, "kind", 1, MaxNameLength, buffer, out var length);
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

    public static Rejection? ReadBrand(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        Span<char> buffer = stackalloc char[MentionParser.MaxBrandLength * 6];
        var error = JsonFieldReader.ReadName(ref reader, "brand", 1, MentionParser.MaxBrandLength, buffer, out var length);
        if (error is not null || length < 0)
        {
            return error;
        }
        ReadOnlySpan<char> value = buffer[..length];
        if (value.ContainsAnyExcept(MentionParser.BrandCharacters))
        {
            return new Rejection(RejectReason.InvalidField, $"brand '{value}' must match [a-z0-9_-]{{1,64}}");
        }
        fields.Brand = (t_recentBrands ??= new RecentStrings()).Get(value);
        return null;
    }

    public static Rejection? ReadLang(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        Span<char> buffer = stackalloc char[MaxLangLength * 6];
        var error = JsonFieldReader.ReadName(ref reader, "lang", 2, MaxLangLength, buffer, out var length);
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
    public static Rejection? ReadUrl(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        var error = JsonFieldReader.ReadString(ref reader, "url", 1, MentionParser.MaxUrlLength, out var value);
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

    public static Rejection? ReadCreatedAt(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            return FieldRejections.WrongType("createdAt", "an RFC 3339 string", reader.TokenType);
        }
        if (reader.ValueIsEscaped && !JsonFieldReader.TryGetText(ref reader, out _))
        {
            return FieldRejections.NotText("createdAt");
        }
        // RFC 3339 demands an explicit offset; without one the instant would depend on the reader's time zone.
        if (!JsonFieldReader.TryGetTimestamp(ref reader, out var createdAt) || !JsonFieldReader.HasExplicitOffset(ref reader))
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
}
