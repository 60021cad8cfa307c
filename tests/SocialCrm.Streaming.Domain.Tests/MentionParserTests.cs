using System.Text;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class MentionParserTests
{
    private const string Valid = """
        {"id":"m1","platform":"x","brand":"acme","customerId":"c42",
         "author":{"id":"a1","handle":"@ann","followers":1200,"verified":true},
         "text":"Love it","lang":"en-GB","createdAt":"2026-11-23T10:15:00.250+01:00","kind":"reply",
         "inReplyTo":"m0","rating":4.5,"metrics":{"likes":3,"shares":2,"replies":1,"views":90},"sentiment":-0.5,
         "unknown":{"deep":[1,2,{"x":null}]}}
        """;

    private static ParseOutcome Parse(string json) => MentionParser.Parse(Encoding.UTF8.GetBytes(json));

    private static string With(string field, string? value)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Valid)!.AsObject();
        if (value is null) node.Remove(field);
        else node[field] = System.Text.Json.Nodes.JsonNode.Parse(value);
        return node.ToJsonString();
    }

    [Fact]
    public void Reads_every_field_of_a_valid_mention()
    {
        var mention = Parse(Valid).Mention!;
        Assert.Equal("m1", mention.Id);
        Assert.Equal(Platform.X, mention.Platform);
        Assert.Equal("acme", mention.Brand);
        Assert.Equal("c42", mention.CustomerId);
        Assert.Equal(new Author("a1", "@ann", 1200, true), mention.Author);
        Assert.Equal("Love it", mention.Text);
        Assert.Equal("en-GB", mention.Lang);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 15, 0, 250, TimeSpan.Zero), mention.CreatedAt);
        Assert.Equal(MentionKind.Reply, mention.Kind);
        Assert.Equal("m0", mention.InReplyTo);
        Assert.Equal(4.5, mention.Rating);
        Assert.Equal(new EngagementMetrics(3, 2, 1, 90), mention.Metrics);
        Assert.Equal(-0.5, mention.Sentiment);
        Assert.Equal("acme:c42", mention.EntityId.Value);
    }

    [Fact]
    public void A_mention_without_customer_id_belongs_to_a_prospect_keyed_by_platform_and_author()
    {
        var mention = Parse(With("customerId", null)).Mention!;
        Assert.Equal("acme:x:a1", mention.EntityId.Value);
        Assert.Equal("acme", mention.EntityId.Brand);
        Assert.Equal("x:a1", mention.EntityId.LocalId);
    }

    [Theory]
    [InlineData("c42", "a1")]
    [InlineData(null, "a1")]
    [InlineData("kunde-ü-€", "a1")]
    [InlineData(null, "作者-😀")]
    [InlineData(null, "€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€")]
    public void A_record_key_is_the_mention_s_entity_id_when_it_is_that_id_s_utf8_byte_for_byte(string? customerId, string authorId)
    {
        var mention = Parse(With("customerId", customerId is null ? null : $"\"{customerId}\"")).Mention! with { Author = new Author(authorId) };
        var key = Encoding.UTF8.GetBytes(mention.EntityId.Value);
        Assert.True(mention.HasEntityId(key));
        Assert.False(mention.HasEntityId(key[..^1]));
        Assert.False(mention.HasEntityId([.. key, (byte)'x']));
        Assert.False(mention.HasEntityId([.. key, (byte)':']));
        Assert.False(mention.HasEntityId(Encoding.UTF8.GetBytes(mention.EntityId.Value.Replace(':', ';'))));
        Assert.False(mention.HasEntityId(Encoding.UTF8.GetBytes(mention.EntityId.Value.ToUpperInvariant())));
        Assert.False(mention.HasEntityId([]));
        // A prospect's key holds its platform; a customer's does not.
        Assert.Equal(customerId is null, mention.HasEntityId(Encoding.UTF8.GetBytes($"acme:x:{authorId}")));
        Assert.Equal(customerId is not null, mention.HasEntityId(Encoding.UTF8.GetBytes($"acme:{customerId}")));
    }

    [Fact]
    public void An_unpaired_surrogate_in_an_id_matches_the_key_its_id_would_encode_to()
    {
        // Encoding writes U+FFFD for it, on both sides: the key check sees the bytes the id string would have given.
        Assert.True(EntityId.IsUtf8Of(Encoding.UTF8.GetBytes("acme:\ud800x"), "acme", "\ud800x"));
        Assert.True(EntityId.IsUtf8Of("acme:\uFFFDx"u8, "acme", "\ud800x"));
        Assert.False(EntityId.IsUtf8Of("acme:x"u8, "acme", "\ud800x"));
        // A part longer than any id is still compared (encoded apart).
        var longPart = new string('€', 500);
        Assert.True(EntityId.IsUtf8Of(Encoding.UTF8.GetBytes("acme:" + longPart), "acme", longPart));
        Assert.False(EntityId.IsUtf8Of(Encoding.UTF8.GetBytes("acme:" + longPart[1..]), "acme", longPart));
    }

    [Fact]
    public void Optional_fields_default_when_absent_or_null()
    {
        const string minimal = """{"id":"m","platform":"review","brand":"b","author":{"id":"a"},"text":"","createdAt":"2026-01-01T00:00:00Z","lang":null}""";
        var mention = Parse(minimal).Mention!;
        Assert.Equal(MentionKind.Post, mention.Kind);
        Assert.Same(EngagementMetrics.None, mention.Metrics);
        Assert.Null(mention.Lang);
        Assert.Null(mention.Sentiment);
    }

    [Theory]
    [InlineData("1200.0", "3.0", 1200, 3)]
    [InlineData("1.2e3", "3E0", 1200, 3)]
    [InlineData("12000e-1", "0.3e1", 1200, 3)]
    [InlineData("9223372036854775807", "0", long.MaxValue, 0)]
    public void Counts_written_as_doubles_read_as_the_whole_numbers_they_are(string followers, string likes, long expectedFollowers, long expectedLikes)
    {
        var mention = Parse(With("author", $"{{\"id\":\"a1\",\"followers\":{followers}}}").Replace("\"likes\":3", $"\"likes\":{likes}", StringComparison.Ordinal)).Mention!;
        Assert.Equal((expectedFollowers, expectedLikes), (mention.Author.Followers, mention.Metrics.Likes));
    }

    [Theory]
    [InlineData("1e19")]
    [InlineData("9223372036854775808")]
    [InlineData("-1e19")]
    [InlineData("1e400")]
    [InlineData("1200.5")]
    public void A_count_that_is_no_whole_number_a_long_holds_names_the_range(string followers)
    {
        var outcome = Parse(With("author", $"{{\"id\":\"a1\",\"followers\":{followers}}}"));
        Assert.Equal(RejectReason.InvalidField, outcome.Rejection!.Reason);
        Assert.Equal($"author.followers must be a whole number within 0..{long.MaxValue}", outcome.Rejection.Detail);
    }

    [Theory]
    [InlineData("2026-11-23t10:15:00.250+01:00")]
    [InlineData("2026-11-23T09:15:00.250z")]
    [InlineData("2026-11-23t09:15:00.25z")]
    [InlineData("2026-11-23t09:15:00.250\u007A")]
    public void A_timestamp_with_a_lower_case_t_or_z_reads_as_rfc_3339_allows(string createdAt)
    {
        var mention = Parse(With("createdAt", $"\"{createdAt}\"")).Mention!;
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 15, 0, 250, TimeSpan.Zero), mention.CreatedAt);
    }

    [Fact]
    public void Short_fields_spelled_with_escapes_read_as_their_text()
    {
        var mention = Parse(Valid.Replace("\"brand\":\"acme\"", "\"brand\":\"\\u0061cme\"", StringComparison.Ordinal).Replace("\"platform\":\"x\"", "\"platform\":\"\\u0078\"", StringComparison.Ordinal)
            .Replace("\"kind\":\"reply\"", "\"kind\":\"r\\u0065ply\"", StringComparison.Ordinal)
            .Replace("\"lang\":\"en-GB\"", "\"lang\":\"en\\u002DGB\"", StringComparison.Ordinal)).Mention!;
        Assert.Equal(("acme", Platform.X, MentionKind.Reply, "en-GB"), (mention.Brand, mention.Platform, mention.Kind, mention.Lang));
    }

    [Fact]
    public void A_brand_or_language_seen_again_is_the_same_string_and_never_another_one()
    {
        var brands = Enumerable.Range(0, 20).Select(i => $"brand-{i}").ToArray();
        foreach (var brand in brands.Concat(brands))
        {
            var mention = Parse(With("brand", $"\"{brand}\"").Replace("en-GB", brand.Length % 2 == 0 ? "de" : "pt-BR", StringComparison.Ordinal)).Mention!;
            Assert.Equal(brand, mention.Brand);
            Assert.Equal(brand.Length % 2 == 0 ? "de" : "pt-BR", mention.Lang);
        }
        Assert.Same(Parse(Valid).Mention!.Brand, Parse(Valid).Mention!.Brand);
        Assert.Same(Parse(Valid).Mention!.Lang, Parse(Valid).Mention!.Lang);
    }

    public static TheoryData<string, RejectReason, string> Invalid => new()
    {
        { With("id", null), RejectReason.MissingField, "id" },
        { With("platform", "\"myspace\""), RejectReason.InvalidField, "platform" },
        { With("brand", "\"Acme Corp\""), RejectReason.InvalidField, "brand" },
        { With("brand", $"\"{new string('a', 65)}\""), RejectReason.InvalidField, "brand" },
        { With("author", null), RejectReason.MissingField, "author" },
        { With("author", "{\"handle\":\"x\"}"), RejectReason.MissingField, "author.id" },
        { With("author", "{\"id\":\"a\",\"followers\":-1}"), RejectReason.InvalidField, "author.followers" },
        { With("author", "{\"id\":\"a\",\"followers\":\"many\"}"), RejectReason.InvalidField, "author.followers" },
        { With("author", "\"a1\""), RejectReason.InvalidField, "author" },
        { With("text", null), RejectReason.MissingField, "text" },
        { With("text", "42"), RejectReason.InvalidField, "text" },
        { With("text", $"\"{new string('x', 10_001)}\""), RejectReason.InvalidField, "text" },
        { With("lang", "\"english please\""), RejectReason.InvalidField, "lang" },
        { With("createdAt", null), RejectReason.MissingField, "createdAt" },
        { With("createdAt", "\"yesterday\""), RejectReason.InvalidField, "createdAt" },
        { With("createdAt", "\"2026-11-23T10:15:00\""), RejectReason.InvalidField, "createdAt" },
        { With("kind", "\"story\""), RejectReason.InvalidField, "kind" },
        { With("rating", "6"), RejectReason.InvalidField, "rating" },
        { With("metrics", "{\"likes\":1.5}"), RejectReason.InvalidField, "metrics.likes" },
        { With("sentiment", "1.5"), RejectReason.InvalidField, "sentiment" },
        { With("id", $"\"{new string('i', 129)}\""), RejectReason.InvalidField, "id" },
        { "[1,2]", RejectReason.NotAnObject, "array" },
        { "\"just a string\"", RejectReason.NotAnObject, "string" },
        { "{\"id\":\"m1\",", RejectReason.InvalidJson, "" },
        { "not json", RejectReason.InvalidJson, "" },
        { "", RejectReason.InvalidJson, "" },
        { Valid + " {}", RejectReason.InvalidJson, "after" },
        { "{\"id\":\"m1\",\"x\":" + new string('[', 40) + new string(']', 40) + "}", RejectReason.TooDeep, "nesting" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_what_breaks_the_contract_with_a_reason_naming_the_field(string json, RejectReason reason, string mentioned)
    {
        var outcome = Parse(json);
        Assert.False(outcome.IsValid);
        Assert.Equal(reason, outcome.Rejection!.Reason);
        Assert.Contains(mentioned, outcome.Rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_invalid_utf8_before_reading_json()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid);
        bytes[10] = 0xC3;
        bytes[11] = 0x28;
        Assert.Equal(RejectReason.InvalidUtf8, MentionParser.Parse(bytes).Rejection!.Reason);
    }

    [Fact]
    public void Rejects_a_payload_over_the_size_limit_without_reading_it()
    {
        var huge = Encoding.UTF8.GetBytes(With("text", $"\"{new string('x', 10 * 1024 * 1024)}\""));
        var rejection = MentionParser.Parse(huge).Rejection!;
        Assert.Equal(RejectReason.TooLarge, rejection.Reason);
        Assert.Equal("too-large", rejection.Reason.ToWire());
    }

    [Fact]
    public void Counts_text_length_in_characters_after_unescaping()
    {
        var escaped = string.Concat(Enumerable.Repeat("\\u00e9", 10_000));
        Assert.True(Parse(With("text", $"\"{escaped}\"")).IsValid);
    }

    [Fact]
    public void Accepts_non_latin_text_and_emoji()
    {
        var mention = Parse(With("text", "\"Служба поддержки ужасна 😡 サポート最悪\"")).Mention!;
        Assert.Equal("Служба поддержки ужасна 😡 サポート最悪", mention.Text);
    }
}
