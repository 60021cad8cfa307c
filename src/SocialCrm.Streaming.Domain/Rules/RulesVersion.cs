using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SocialCrm.Streaming.Domain.Rules;

/// <summary>
/// The version of a rule set: the first 12 hex digits of the SHA-256 of its effective settings as canonical JSON
/// (properties and brands in ordinal order). A content hash rather than a counter, so every node that loads the
/// same rules, and a replay given the same settings file, names them alike without agreeing on anything; the
/// layout of the file (order, spacing, defaults spelled out or not) does not change it.
/// </summary>
public static class RulesVersion
{
    public const int Length = 12;

    public static string Of(RulesOptions rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var canonical = Canonical(JsonSerializer.SerializeToNode(rules, SerializerOptions));
        var hash = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(canonical, SerializerOptions));
        return Convert.ToHexStringLower(hash)[..Length];
    }

    private static readonly JsonSerializerOptions SerializerOptions = new() { WriteIndented = false };

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonical)]),
        null => null,
        _ => node.DeepClone(),
    };
}
