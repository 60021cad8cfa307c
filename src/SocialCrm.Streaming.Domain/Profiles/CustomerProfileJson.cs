using System.Text.Json;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Profiles;

/// <summary>
/// Reads profiles: the topic value (<c>{"valueTier","clv","segment","consent":{"processing"}}</c>, unknown
/// fields ignored) and, for replay files, one line per profile with its key:
/// <c>{"key":"acme:C-1", "value": {...} | null}</c> or the flat form <c>{"key":"acme:C-1","valueTier":...}</c>
/// (also <c>"brand"</c> + <c>"customerId"</c> instead of <c>"key"</c>). A null value is a tombstone.
/// </summary>
public static class CustomerProfileJson
{
    /// <summary>Parses a topic value. Throws <see cref="FormatException"/> on anything that is not a profile.</summary>
    public static CustomerProfile ParseValue(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            return FromElement(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not a customer profile: {ex.Message}", ex);
        }
    }

    /// <summary>Parses one replay line: the entity id and the profile (null = tombstone).</summary>
    public static (EntityId Id, CustomerProfile? Profile) ParseLine(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("a profile line must be a JSON object");
            }
            string key;
            if (root.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String)
            {
                key = k.GetString()!;
            }
            else if (root.TryGetProperty("brand", out var b) && root.TryGetProperty("customerId", out var c))
            {
                key = $"{b.GetString()}:{c.GetString()}";
            }
            else
            {
                throw new FormatException("a profile line needs \"key\" (or \"brand\" and \"customerId\")");
            }
            if (!EntityId.TryParse(key, out var id))
            {
                throw new FormatException($"'{key}' is not a key of the form brand:customerId");
            }
            if (root.TryGetProperty("value", out var value))
            {
                return (id, value.ValueKind == JsonValueKind.Null ? null : FromElement(value));
            }
            if (root.TryGetProperty("tombstone", out var t) && t.ValueKind == JsonValueKind.True)
            {
                return (id, null);
            }
            return (id, FromElement(root));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not a profile line: {ex.Message}", ex);
        }
    }

    private static CustomerProfile FromElement(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a customer profile must be a JSON object");
        }
        var tier = ValueTier.Unknown;
        if (element.TryGetProperty("valueTier", out var t) && t.ValueKind == JsonValueKind.String && !ValueTierNames.TryParse(t.GetString(), out tier))
        {
            throw new FormatException($"valueTier '{t.GetString()}' is not one of platinum, gold, silver, bronze");
        }
        var clv = element.TryGetProperty("clv", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDouble() : 0;
        var segment = element.TryGetProperty("segment", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        // Consent defaults to true when the CRM does not say otherwise.
        var consent = !(element.TryGetProperty("consent", out var cs) && cs.ValueKind == JsonValueKind.Object
            && cs.TryGetProperty("processing", out var p) && p.ValueKind == JsonValueKind.False);
        return new CustomerProfile(tier, clv, segment, consent);
    }
}
