using CsCheck;

namespace SocialCrm.Streaming.Fuzz.Tests;

/// <summary>Mention- and profile-shaped JSON: a valid record whose fields are then mutated, dropped, repeated or joined by junk.</summary>
public static class MentionShape
{
    public static readonly string[] FieldNames =
        ["id", "platform", "brand", "customerId", "author", "text", "lang", "createdAt", "kind", "inReplyTo", "rating", "metrics", "sentiment"];

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.Const("\"acme support is terrible, still waiting\""), Gen.Const("\"love my new acme phone 😍\""),
        Gen.Const("\"I'm going to cancel and switch to globex\""), Gen.Const("\"WORST. SUPPORT. EVER. 😡\""),
        Gen.Const("\"how much is the premium plan?\""), Gen.Const("\"\""), JsonGen.StringLiteral);

    /// <summary>A valid mention as (field, JSON value) pairs; customers and prospects, all platforms and kinds.</summary>
    public static readonly Gen<List<(string Name, string Value)>> Valid = Gen.Select(
            Gen.Int[0, 9_999], Gen.OneOf(Gen.Const("x"), Gen.Const("facebook"), Gen.Const("review"), Gen.Const("reddit")),
            Gen.OneOf(Gen.Const("acme"), Gen.Const("globex"), Gen.Const("b-1")), Gen.Int[0, 12], Text,
            Gen.Int[0, 3_000], Gen.OneOf(Gen.Const("post"), Gen.Const("reply"), Gen.Const("review"), Gen.Const("dm")),
            Gen.Long[0, 5_000_000])
        .Select((id, platform, brand, customer, text, minute, kind, followers) => new List<(string, string)>
        {
            ("id", $"\"m{id}\""),
            ("platform", $"\"{platform}\""),
            ("brand", $"\"{brand}\""),
            ("customerId", customer < 6 ? $"\"C-{customer}\"" : "null"),
            ("author", $"{{\"id\":\"a{customer}\",\"handle\":\"@a\",\"followers\":{followers},\"verified\":{(followers > 1_000_000 ? "true" : "false")}}}"),
            ("text", text),
            ("lang", "\"en\""),
            ("createdAt", $"\"{new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero).AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ}\""),
            ("kind", $"\"{kind}\""),
            ("rating", kind == "review" ? "2" : "null"),
            ("metrics", "{\"likes\":3,\"shares\":1}"),
        });

    private static readonly Gen<string> FieldValue = Gen.Frequency(
        (3, JsonGen.Value), (2, JsonGen.Timestamp), (2, JsonGen.Number), (2, JsonGen.StringLiteral),
        (1, Gen.Select(JsonGen.Number, JsonGen.Number).Select((a, b) => $"{{\"id\":\"a\",\"followers\":{a},\"likes\":{b}}}")),
        (1, Gen.Select(JsonGen.Number, JsonGen.Number).Select((a, b) => $"{{\"likes\":{a},\"views\":{b},\"likes\":1}}")),
        (1, JsonGen.StringLiteral.Select(s => $"{{\"id\":{s},\"handle\":{s}}}")),
        (1, Gen.OneOf(Gen.Const("\"x:123\""), Gen.Const("\":\""), Gen.Const("\"C-1:\""), Gen.Const("\"\\u003a\""))));

    private enum Mutation { Replace, Remove, Duplicate, Junk }

    private static readonly Gen<(Mutation, int, string)> OneMutation =
        Gen.Select(Gen.Enum<Mutation>(), Gen.Int[0, 12], FieldValue);

    /// <summary>A valid mention with 0..4 mutations, serialized (sometimes with a BOM or surrounding whitespace).</summary>
    public static readonly Gen<string> Mutated = Gen.Select(Valid, OneMutation.List[0, 4], Gen.Int[0, 9])
        .Select((fields, mutations, framing) =>
        {
            foreach (var (mutation, index, value) in mutations)
            {
                var name = FieldNames[index];
                var at = fields.FindIndex(f => f.Name == name);
                switch (mutation)
                {
                    case Mutation.Replace when at >= 0: fields[at] = (name, value); break;
                    case Mutation.Replace: fields.Add((name, value)); break;
                    case Mutation.Remove when at >= 0: fields.RemoveAt(at); break;
                    case Mutation.Remove: break;
                    case Mutation.Duplicate: fields.Add((name, at >= 0 && index % 2 == 0 ? fields[at].Value : value)); break;
                    case Mutation.Junk: fields.Insert(index % (fields.Count + 1), ($"junk{index}", value)); break;
                }
            }
            var json = "{" + string.Join(",", fields.Select(f => $"\"{f.Name}\":{f.Value}")) + "}";
            return framing switch
            {
                0 => "\uFEFF" + json,
                1 => " \n\t" + json + "\r\n ",
                _ => json,
            };
        });

    private static readonly Gen<string> ProfileField = Gen.Frequency(
        (2, Gen.OneOf(Gen.Const("\"valueTier\":\"gold\""), Gen.Const("\"clv\":1250.5"), Gen.Const("\"segment\":\"smb\""),
            Gen.Const("\"consent\":{\"processing\":false}"), Gen.Const("\"value\":null"), Gen.Const("\"tombstone\":true"),
            Gen.Const("\"key\":\"acme:C-1\""), Gen.Const("\"key\":\"acme:x:123\""), Gen.Const("\"brand\":\"acme\""), Gen.Const("\"customerId\":\"C-2\""))),
        (2, Gen.Select(Gen.OneOf(Gen.OneOf(["valueTier", "clv", "segment", "consent", "value", "key", "brand", "customerId", "tombstone", "processing"])),
            JsonGen.Value).Select((name, value) => $"\"{name}\":{value}")),
        (1, Gen.Select(JsonGen.StringLiteral, JsonGen.Value).Select((name, value) => $"{name}:{value}")));

    /// <summary>Profile values and replay lines: known fields with valid and hostile values, nested value objects, repeats.</summary>
    public static readonly Gen<string> Profile = Gen.Recursive<string>((depth, profile) => ProfileField
        .List[0, 7]
        .SelectMany(fields => depth >= 2
            ? Gen.Const("{" + string.Join(",", fields) + "}")
            : Gen.Frequency((3, Gen.Const("{" + string.Join(",", fields) + "}")),
                (1, profile.Select(inner => "{" + string.Join(",", [.. fields, "\"value\":" + inner]) + "}")))));
}
