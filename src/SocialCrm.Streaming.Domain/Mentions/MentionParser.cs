using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>
/// Validates and reads a UTF-8 JSON mention in one forward pass (the input contract, topology/schemas/mention.schema.json).
/// Unknown fields are skipped; every rule that fails yields a machine-readable reason. Any bytes give a mention or a
/// rejection, never an exception (tests/SocialCrm.Streaming.Fuzz.Tests checks it). The values are read by
/// <see cref="JsonFieldReader"/> (by JSON kind), <see cref="MentionFieldReaders"/> and <see cref="MentionObjectReaders"/>
/// (by the contract's rules), into <see cref="MentionFields"/>.
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
            return ParseOutcome.Invalid(RejectReason.NotAnObject, $"payload is {FieldRejections.Describe(reader.TokenType)}, not an object");
        }

        var fields = new MentionFields();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var error = JsonFieldReader.NameIsText(ref reader, "") ?? ReadField(ref reader, ref fields);
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

    /// <summary>The wire names of <see cref="MentionField"/>, in its order.</summary>
    private static readonly string[] FieldNames =
        ["id", "platform", "brand", "customerId", "author", "text", "lang", "createdAt", "kind", "inReplyTo", "rating", "metrics", "sentiment", "url"];

    private static readonly byte[][] Utf8FieldNames = [.. FieldNames.Select(Encoding.UTF8.GetBytes)];

    private static MentionField? KnownField(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < Utf8FieldNames.Length; i++)
        {
            if (reader.ValueTextEquals(Utf8FieldNames[i]))
            {
                return (MentionField)i;
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
            return FieldRejections.Duplicate(FieldName(field));
        }
        return field switch
        {
            MentionField.Id => JsonFieldReader.ReadString(ref reader, "id", 1, MaxIdLength, out fields.Id),
            MentionField.Platform => MentionFieldReaders.ReadPlatform(ref reader, ref fields),
            MentionField.Brand => MentionFieldReaders.ReadBrand(ref reader, ref fields),
            MentionField.CustomerId => MentionFieldReaders.ReadCustomerId(ref reader, ref fields),
            MentionField.Author => MentionObjectReaders.ReadAuthor(ref reader, ref fields),
            MentionField.Text => JsonFieldReader.ReadString(ref reader, "text", 0, MaxTextLength, out fields.Text),
            MentionField.Lang => MentionFieldReaders.ReadLang(ref reader, ref fields),
            MentionField.CreatedAt => MentionFieldReaders.ReadCreatedAt(ref reader, ref fields),
            MentionField.Kind => MentionFieldReaders.ReadKind(ref reader, ref fields),
            MentionField.InReplyTo => JsonFieldReader.ReadString(ref reader, "inReplyTo", 1, MaxIdLength, out fields.InReplyTo),
            MentionField.Rating => JsonFieldReader.ReadOptionalNumber(ref reader, "rating", 1, 5, out fields.Rating),
            MentionField.Metrics => MentionObjectReaders.ReadMetrics(ref reader, ref fields),
            MentionField.Sentiment => JsonFieldReader.ReadOptionalNumber(ref reader, "sentiment", -1, 1, out fields.Sentiment),
            MentionField.Url => MentionFieldReaders.ReadUrl(ref reader, ref fields),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "a known field without a reader"),
        };
    }

    private static string FieldName(MentionField field) => FieldNames[(int)field];

    internal static readonly SearchValues<char> BrandCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>The brand rule of the input contract: <c>[a-z0-9_-]{1,64}</c>.</summary>
    public static bool IsValidBrand(string brand) =>
        brand.Length is >= 1 and <= MaxBrandLength && !brand.AsSpan().ContainsAnyExcept(BrandCharacters);
}
