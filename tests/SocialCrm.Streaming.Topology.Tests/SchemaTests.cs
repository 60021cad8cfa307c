using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// Every JSON Schema of topology/schemas accepts the contract's payloads and rejects broken ones.
/// Mentions are also run through the product's own MentionParser: schema and parser must agree.
/// Crisis alerts and lifecycle triggers are checked on the sample files of topology/examples
/// (the domain's alert serializer did not exist when these tests were written).
/// </summary>
public sealed class SchemaTests
{
    public static TheoryData<string, string> ValidSamples => new()
    {
        { "mention", "mention" },
        { "mention", "mention-review" },
        { "customer-profile", "customer-profile" },
        { "crisis-alert", "crisis-alert" },
        { "crisis-alert", "crisis-alert-brand" },
        { "lifecycle-trigger", "lifecycle-trigger" },
        { "dead-letter", "dead-letter-headers" },
        { "case-event", "case-event" },
        { "scenario", "scenario-header" },
        { "erasure", "erasure" },
    };

    [Theory]
    [MemberData(nameof(ValidSamples))]
    public void Schema_accepts_the_contract_sample(string schema, string example)
    {
        var errors = MiniJsonSchema.Load(Repo.Schema(schema)).Validate(Repo.Example(example));
        Assert.True(errors.Count == 0, $"{example} rejected by {schema}: {string.Join("; ", errors)}");
    }

    [Theory]
    [InlineData("acme-air:C-004217", "customer")]
    [InlineData("acme-air:x:u-88123", "prospect")]
    public void The_erasure_event_the_processor_writes_matches_its_schema_and_its_id_is_deterministic(string entityId, string subject)
    {
        var erasure = new SocialCrm.Streaming.Domain.Ports.Erasure(EntityId.Parse(entityId), new SourcePosition(7, 1093));
        var json = erasure.ToJson(new DateTimeOffset(2026, 11, 23, 11, 2, 14, 318, TimeSpan.Zero));
        Assert.Empty(MiniJsonSchema.Load(Repo.Schema("erasure")).Validate(json));
        Assert.Equal(subject, JsonDocument.Parse(json).RootElement.GetProperty("subject").GetString());
        Assert.Equal(erasure.Id, new SocialCrm.Streaming.Domain.Ports.Erasure(EntityId.Parse(entityId), new SourcePosition(7, 1093)).Id);
        Assert.NotEqual(erasure.Id, new SocialCrm.Streaming.Domain.Ports.Erasure(EntityId.Parse(entityId), new SourcePosition(7, 1094)).Id);
    }

    [Fact]
    public void Every_topic_value_schema_exists_and_is_2020_12()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        foreach (var topic in catalog.Topics)
        {
            var path = catalog.SchemaPath(topic);
            Assert.True(File.Exists(path), $"{topic.Name}: {path}");
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal("https://json-schema.org/draft/2020-12/schema", document.RootElement.GetProperty("$schema").GetString());
            _ = MiniJsonSchema.Load(path); // only implemented keywords
        }
        Assert.Equal(
            ["case-event", "crisis-alert", "customer-profile", "dead-letter", "erasure", "lifecycle-trigger", "mention"],
            catalog.Topics.Select(t => Path.GetFileName(t.ValueSchema).Replace(".schema.json", "", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    /// <summary>A valid mention, changed by one edit, and whether it must stay valid.</summary>
    public static TheoryData<string, string, bool> MentionEdits => new()
    {
        { "missing id", """{"remove":"id"}""", false },
        { "empty id", """{"set":"id","value":""}""", false },
        { "id of 129 chars", """{"set":"id","value":"LONG129"}""", false },
        { "missing platform", """{"remove":"platform"}""", false },
        { "unknown platform", """{"set":"platform","value":"myspace"}""", false },
        { "every platform: twitter", """{"set":"platform","value":"twitter"}""", true },
        { "every platform: tiktok", """{"set":"platform","value":"tiktok"}""", true },
        { "missing brand", """{"remove":"brand"}""", false },
        { "brand upper case", """{"set":"brand","value":"Acme"}""", false },
        { "brand with a space", """{"set":"brand","value":"acme air"}""", false },
        { "brand of 65 chars", """{"set":"brand","value":"BRAND65"}""", false },
        { "brand of 64 chars", """{"set":"brand","value":"BRAND64"}""", true },
        { "missing author", """{"remove":"author"}""", false },
        { "author without id", """{"set":"author","value":{"handle":"@x"}}""", false },
        { "negative followers", """{"set":"author","value":{"id":"a","followers":-1}}""", false },
        { "fractional followers", """{"set":"author","value":{"id":"a","followers":1.5}}""", false },
        { "followers written as a double", """{"set":"author","value":{"id":"a","followers":48210.0}}""", true },
        { "followers with an exponent", """{"set":"author","value":{"id":"a","followers":4.821e4}}""", true },
        { "followers beyond a long", """{"set":"author","value":{"id":"a","followers":1e30}}""", false },
        { "followers of 20 digits", """{"set":"author","value":{"id":"a","followers":12345678901234567890}}""", false },
        { "likes written as a double", """{"set":"metrics","value":{"likes":312.0,"views":1.2E5}}""", true },
        { "verified not a bool", """{"set":"author","value":{"id":"a","verified":"yes"}}""", false },
        { "missing text", """{"remove":"text"}""", false },
        { "empty text", """{"set":"text","value":""}""", true },
        { "text of 10000 chars", """{"set":"text","value":"TEXT10000"}""", true },
        { "text of 10001 chars", """{"set":"text","value":"TEXT10001"}""", false },
        { "text a number", """{"set":"text","value":42}""", false },
        { "missing createdAt", """{"remove":"createdAt"}""", false },
        { "createdAt without offset", """{"set":"createdAt","value":"2026-11-23T10:15:00"}""", false },
        { "createdAt a date only", """{"set":"createdAt","value":"2026-11-23"}""", false },
        { "createdAt garbage", """{"set":"createdAt","value":"yesterday"}""", false },
        { "createdAt with offset", """{"set":"createdAt","value":"2026-11-23T10:15:00-05:00"}""", true },
        { "createdAt in lower case (RFC 3339 allows it)", """{"set":"createdAt","value":"2026-11-23t10:15:00.25z"}""", true },
        { "createdAt with a lower-case t and an offset", """{"set":"createdAt","value":"2026-11-23t10:15:00+01:00"}""", true },
        { "createdAt with a space for the T", """{"set":"createdAt","value":"2026-11-23 10:15:00Z"}""", false },
        { "unknown kind", """{"set":"kind","value":"story"}""", false },
        { "kind dm", """{"set":"kind","value":"dm"}""", true },
        { "rating 0", """{"set":"rating","value":0}""", false },
        { "rating 6", """{"set":"rating","value":6}""", false },
        { "rating 4.5", """{"set":"rating","value":4.5}""", true },
        { "url of the post", """{"set":"url","value":"https://x.com/ana/status/1861234567890"}""", true },
        { "url null", """{"set":"url","value":null}""", true },
        { "url not http", """{"set":"url","value":"javascript:alert(1)"}""", false },
        { "url relative", """{"set":"url","value":"/status/1"}""", false },
        { "url a number", """{"set":"url","value":42}""", false },
        { "sentiment 1.5", """{"set":"sentiment","value":1.5}""", false },
        { "sentiment -1", """{"set":"sentiment","value":-1}""", true },
        { "negative likes", """{"set":"metrics","value":{"likes":-3}}""", false },
        { "lang not BCP-47", """{"set":"lang","value":"english!"}""", false },
        { "lang pt-BR", """{"set":"lang","value":"pt-BR"}""", true },
        { "optional customerId null", """{"set":"customerId","value":null}""", true },
        { "customerId with a colon (a prospect's id)", """{"set":"customerId","value":"x:123"}""", false },
        { "unknown field", """{"set":"somethingNew","value":{"nested":[1,2,3]}}""", true },
    };


    /// <summary>
    /// A valid profile, changed by one edit, and whether it must stay valid. Consent is left out: the processor reads a
    /// broken consent as no consent (the profile's own description says why), where the schema refuses it.
    /// </summary>
    public static TheoryData<string, string, bool> ProfileEdits => new()
    {
        { "clv a word", """{"set":"clv","value":"a lot"}""", false },
        { "clv a decimal string", """{"set":"clv","value":"18250.50"}""", false },
        { "clv null", """{"set":"clv","value":null}""", true },
        { "clv negative", """{"set":"clv","value":-12.5}""", true },
        { "valueTier a number", """{"set":"valueTier","value":1}""", false },
        { "valueTier capitalised", """{"set":"valueTier","value":"Gold"}""", false },
        { "valueTier null", """{"set":"valueTier","value":null}""", true },
        { "segment a number", """{"set":"segment","value":7}""", false },
        { "segment null", """{"set":"segment","value":null}""", true },
        { "segment of 129 chars", """{"set":"segment","value":"TEXT129"}""", false },
        { "unknown field", """{"set":"loyaltyPoints","value":{"n":1}}""", true },
    };

    /// <summary>Every edit of a mention and of a profile, with the schema it is checked against.</summary>
    public static TheoryData<string, string, string, bool> ReaderEdits
    {
        get
        {
            var data = new TheoryData<string, string, string, bool>();
            foreach (var (schema, edits) in new[] { ("mention", MentionEdits), ("customer-profile", ProfileEdits) })
            {
                foreach (var row in edits)
                {
                    data.Add(schema, (string)row[0], (string)row[1], (bool)row[2]);
                }
            }
            return data;
        }
    }

    /// <summary>The schema and the reader the processor runs (MentionParser, CustomerProfileJson) give the same answer.</summary>
    [Theory]
    [MemberData(nameof(ReaderEdits))]
    public void Schema_and_the_processors_reader_agree(string schema, string name, string edit, bool valid)
    {
        var json = Encoding.UTF8.GetBytes(Edit(Repo.Example(schema), edit));
        var schemaErrors = MiniJsonSchema.Load(Repo.Schema(schema)).Validate(Encoding.UTF8.GetString(json));
        var rejection = schema == "mention"
            ? MentionParser.Parse(json).Rejection
            : SocialCrm.Streaming.Domain.Profiles.CustomerProfileJson.TryParseValue(json, out _, out var refused) ? null : refused;
        Assert.True(valid == (schemaErrors.Count == 0), $"{name}: schema says {(schemaErrors.Count == 0 ? "valid" : string.Join("; ", schemaErrors))}, expected {(valid ? "valid" : "invalid")}");
        Assert.True(valid == (rejection is null), $"{name}: the reader says {rejection?.ToString() ?? "valid"}, expected {(valid ? "valid" : "invalid")}");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"a mention\"")]
    [InlineData("null")]
    public void Mention_schema_rejects_non_objects(string json) =>
        Assert.NotEmpty(MiniJsonSchema.Load(Repo.Schema("mention")).Validate(json));

    public static TheoryData<string, string, string> BrokenPayloads => new()
    {
        { "customer-profile", "customer-profile", """{"set":"valueTier","value":"diamond"}""" },
        { "customer-profile", "customer-profile", """{"set":"clv","value":"a lot"}""" },
        { "customer-profile", "customer-profile", """{"set":"consent","value":{"processing":"yes"}}""" },
        { "customer-profile", "customer-profile", """{"remove":"consent"}""" },
        { "customer-profile", "customer-profile", """{"set":"consent","value":{}}""" },
        { "crisis-alert", "crisis-alert", """{"set":"type","value":"retention"}""" },
        { "crisis-alert", "crisis-alert", """{"remove":"alertId"}""" },
        { "crisis-alert", "crisis-alert", """{"set":"kind","value":"bad-vibes"}""" },
        { "crisis-alert", "crisis-alert", """{"set":"severity","value":11}""" },
        { "crisis-alert", "crisis-alert", """{"set":"severity","value":0}""" },
        { "crisis-alert", "crisis-alert", """{"set":"priority","value":"P5"}""" },
        { "crisis-alert", "crisis-alert", """{"set":"reasons","value":"one reason"}""" },
        { "crisis-alert", "crisis-alert", """{"set":"eventTime","value":"10:15"}""" },
        { "crisis-alert", "crisis-alert", """{"remove":"detectedAt"}""" },
        { "crisis-alert", "crisis-alert", """{"set":"evidence","value":[{"mentionId":"m1","platform":"x"}]}""" },
        { "crisis-alert", "crisis-alert", """{"set":"evidence","value":[{"mentionId":"m1","platform":"x","excerpt":"mail me at jane.doe@example.com"}]}""" },
        { "lifecycle-trigger", "lifecycle-trigger", """{"set":"type","value":"upsell"}""" },
        { "lifecycle-trigger", "lifecycle-trigger", """{"remove":"triggerId"}""" },
        { "lifecycle-trigger", "lifecycle-trigger", """{"remove":"entityId"}""" },
        { "lifecycle-trigger", "lifecycle-trigger", """{"set":"riskScore","value":"high"}""" },
        { "lifecycle-trigger", "lifecycle-trigger", """{"set":"priority","value":1}""" },
        { "lifecycle-trigger", "lifecycle-trigger", """{"remove":"suggestedAction"}""" },
        { "lifecycle-trigger", "lifecycle-trigger", """{"set":"brand","value":"ACME"}""" },
        { "dead-letter", "dead-letter-headers", """{"set":"dlq.reason","value":"because"}""" },
        { "dead-letter", "dead-letter-headers", """{"set":"dlq.source.partition","value":"-1"}""" },
        { "dead-letter", "dead-letter-headers", """{"set":"dlq.source.offset","value":"12a"}""" },
        { "dead-letter", "dead-letter-headers", """{"remove":"dlq.source.topic"}""" },
    };

    [Theory]
    [MemberData(nameof(BrokenPayloads))]
    public void Schema_rejects_a_broken_payload(string schema, string example, string edit)
    {
        var json = Edit(Repo.Example(example), edit);
        Assert.NotEmpty(MiniJsonSchema.Load(Repo.Schema(schema)).Validate(json));
    }

    /// <summary>The headers DeadLetterPublisher writes, for every reject reason, satisfy dead-letter.schema.json.</summary>
    [Fact]
    public void Dead_letter_schema_describes_the_publisher_headers()
    {
        var schema = MiniJsonSchema.Load(Repo.Schema("dead-letter"));
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            var headers = new JsonObject
            {
                [DeadLetterPublisher.ReasonHeader] = reason.ToWire(),
                [DeadLetterPublisher.DetailHeader] = new string('d', 500),
                [DeadLetterPublisher.SourceTopicHeader] = TopicCatalog.Load(Repo.TopicsJson).Mentions.Name,
                [DeadLetterPublisher.SourcePartitionHeader] = "11",
                [DeadLetterPublisher.SourceOffsetHeader] = "0",
            };
            var errors = schema.Validate(headers.ToJsonString());
            Assert.True(errors.Count == 0, $"{reason}: {string.Join("; ", errors)}");
        }
    }

    [Fact]
    public void Topics_json_satisfies_its_own_schema()
    {
        var errors = MiniJsonSchema.Load(Repo.Schema("topics")).Validate(File.ReadAllText(Repo.TopicsJson));
        Assert.True(errors.Count == 0, string.Join("; ", errors));
    }

    [Fact]
    public void Keys_of_the_key_schemas_accept_entity_ids_or_signal_ids()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Repo.TopicsJson));
        foreach (var topic in document.RootElement.GetProperty("topics").EnumerateArray())
        {
            if (!topic.GetProperty("key").TryGetProperty("schema", out var keySchema))
            {
                continue;
            }
            var schema = MiniJsonSchema.Parse(keySchema.GetRawText());
            if (topic.GetProperty("role").GetString() == TopicRoles.CaseEvents)
            {
                // Case events are keyed by the alert or trigger they are about, not by an entity.
                Assert.Empty(schema.Validate("\"trg-0123456789abcdef\""));
                Assert.NotEmpty(schema.Validate("\"acme-air:C-004217\""));
                continue;
            }
            Assert.Empty(schema.Validate("\"acme-air:C-004217\""));
            // A profile's key is a customer's; a prospect's id (a second colon) is a key only for a tombstone (forget the prospect).
            if (topic.GetProperty("role").GetString() == TopicRoles.Profiles)
            {
                Assert.Empty(schema.Validate("\"acme-air:x:u-88123\""));
                Assert.True(EntityId.TryParseCustomer("acme-air:C-004217", out _));
                Assert.False(EntityId.TryParseCustomer("acme-air:x:u-88123", out _));
            }
            else
            {
                Assert.Empty(schema.Validate("\"acme-air:x:u-88123\""));
            }
            if (topic.GetProperty("role").GetString() != TopicRoles.CrisisAlerts)
            {
                Assert.NotEmpty(schema.Validate("\"no-colon\""));
            }
        }
    }

    /// <summary>
    /// Applies {"remove": name} or {"set": name, "value": v} to the top level of a JSON object.
    /// String values LONGn / BRANDn / TEXTn become n characters.
    /// </summary>
    internal static string Edit(string json, string edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        var command = JsonNode.Parse(edit)!.AsObject();
        if (command["remove"] is { } remove)
        {
            node.Remove(remove.GetValue<string>());
        }
        else
        {
            var value = command["value"]?.DeepClone();
            if (value is JsonValue v && v.TryGetValue<string>(out var text))
            {
                value = text switch
                {
                    _ when text.StartsWith("LONG", StringComparison.Ordinal) => new string('i', int.Parse(text[4..], System.Globalization.CultureInfo.InvariantCulture)),
                    _ when text.StartsWith("BRAND", StringComparison.Ordinal) => new string('b', int.Parse(text[5..], System.Globalization.CultureInfo.InvariantCulture)),
                    _ when text.StartsWith("TEXT", StringComparison.Ordinal) => new string('t', int.Parse(text[4..], System.Globalization.CultureInfo.InvariantCulture)),
                    _ => value,
                };
            }
            node[command["set"]!.GetValue<string>()] = value;
        }
        return node.ToJsonString();
    }
}
