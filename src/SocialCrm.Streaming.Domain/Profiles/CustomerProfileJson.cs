using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Profiles;

/// <summary>
/// Reads profiles: the topic value (<c>{"valueTier","clv","segment","consent":{"processing"}}</c>, consent only when
/// <c>processing</c> is <c>true</c> (see <see cref="ExplicitConsent"/>), unknown
/// fields ignored) and, for replay files, one line per profile with its key:
/// <c>{"key":"acme:C-1", "value": {...} | null}</c> or the flat form <c>{"key":"acme:C-1","valueTier":...}</c>
/// (also <c>"brand"</c> + <c>"customerId"</c> instead of <c>"key"</c>). A null value is a tombstone.
/// Any bytes give a profile or a rejection, never an exception; the rules are the mention parser's (size, UTF-8,
/// depth, a known field at most once, strings that are text, finite numbers) and a key is a customer key
/// (<see cref="EntityId.TryParseCustomer"/>).
/// </summary>
public static class CustomerProfileJson
{
    public const int MaxSegmentLength = 128;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MentionParser.MaxDepth };
    private static readonly string[] ProfileFields = ["valueTier", "clv", "segment", "consent"];
    private static readonly string[] LineFields = ["key", "brand", "customerId", "value", "tombstone", .. ProfileFields];

    /// <summary>Parses a topic value (a tombstone is a null record value, never passed here).</summary>
    public static bool TryParseValue(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out CustomerProfile? profile, [NotNullWhen(false)] out Rejection? rejection)
    {
        profile = null;
        using var document = Open(utf8Json, out var refused);
        if (document is null)
        {
            rejection = refused!;
            return false;
        }
        rejection = Unique(document.RootElement, "", ProfileFields) ?? Read(document.RootElement, out profile);
        return rejection is null;
    }

    /// <summary>Parses one replay line: the entity id and the profile (null = tombstone).</summary>
    public static bool TryParseLine(ReadOnlySpan<byte> utf8Json, out EntityId id, out CustomerProfile? profile, [NotNullWhen(false)] out Rejection? rejection)
    {
        id = default;
        profile = null;
        using var document = Open(utf8Json, out var refused);
        if (document is null)
        {
            rejection = refused!;
            return false;
        }
        var root = document.RootElement;
        rejection = Unique(root, "", LineFields) ?? ReadKey(root, out id);
        if (rejection is not null)
        {
            return false;
        }
        if (root.TryGetProperty("value", out var value))
        {
            rejection = value.ValueKind == JsonValueKind.Null ? null : Unique(value, "value.", ProfileFields) ?? Read(value, out profile);
        }
        else if (!(root.TryGetProperty("tombstone", out var t) && t.ValueKind == JsonValueKind.True))
        {
            rejection = Read(root, out profile);
        }
        return rejection is null;
    }

    private static JsonDocument? Open(ReadOnlySpan<byte> utf8Json, out Rejection? rejection)
    {
        rejection = null;
        if (utf8Json.Length > MentionParser.MaxPayloadBytes)
        {
            rejection = new Rejection(RejectReason.TooLarge, $"profile is {utf8Json.Length} bytes, the limit is {MentionParser.MaxPayloadBytes}");
            return null;
        }
        if (utf8Json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8Json = utf8Json[3..];
        }
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            rejection = new Rejection(RejectReason.InvalidUtf8, "profile is not valid UTF-8");
            return null;
        }
        try
        {
            var document = JsonDocument.Parse(utf8Json.ToArray(), DocumentOptions);
            rejection = document.RootElement.ValueKind != JsonValueKind.Object
                ? new Rejection(RejectReason.InvalidProfile, "a customer profile must be a JSON object")
                : AllText(document.RootElement);
            if (rejection is null)
            {
                return document;
            }
            document.Dispose();
        }
        catch (JsonException ex)
        {
            rejection = new Rejection(RejectReason.InvalidProfile, $"not a customer profile: {ex.Message}");
        }
        return null;
    }

    private static Rejection? ReadKey(JsonElement root, out EntityId id)
    {
        id = default;
        string? key;
        Rejection? rejection;
        if (root.TryGetProperty("key", out var k))
        {
            rejection = Text(k, "key", out key);
        }
        else if (root.TryGetProperty("brand", out var b) && root.TryGetProperty("customerId", out var c))
        {
            string? customer = null;
            rejection = Text(b, "brand", out var brand) ?? Text(c, "customerId", out customer);
            key = rejection is null ? $"{brand}:{customer}" : null;
        }
        else
        {
            return new Rejection(RejectReason.InvalidProfile, "a profile line needs \"key\" (or \"brand\" and \"customerId\")");
        }
        if (rejection is not null)
        {
            return rejection;
        }
        return key is not null && EntityId.TryParseCustomer(key, out id)
            ? null
            : new Rejection(RejectReason.InvalidProfile, $"the key is not of the form {EntityId.CustomerKeyRule}");
    }

    private static Rejection? Read(JsonElement element, out CustomerProfile? profile)
    {
        profile = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            return new Rejection(RejectReason.InvalidProfile, "a customer profile must be a JSON object");
        }
        // A known field of another type is refused, not skipped: a CLV sent as "18250.50" would otherwise vanish, and
        // with it the customer's place among the most valuable at risk. Null counts as absent.
        var tier = ValueTier.Unknown;
        if (Present(element, "valueTier") is { } t)
        {
            if (Text(t, "valueTier", out var name) is { } bad) return bad;
            if (!ValueTierNames.TryParse(name, out tier))
            {
                return new Rejection(RejectReason.InvalidProfile, "valueTier is not one of platinum, gold, silver, bronze");
            }
        }
        double clv = 0;
        if (Present(element, "clv") is { } c && (c.ValueKind != JsonValueKind.Number || !c.TryGetDouble(out clv) || !double.IsFinite(clv)))
        {
            return new Rejection(RejectReason.InvalidProfile, "clv must be a finite number");
        }
        string? segment = null;
        if (Present(element, "segment") is { } s)
        {
            if (Text(s, "segment", out segment) is { } bad) return bad;
            if (segment!.Length > MaxSegmentLength)
            {
                return new Rejection(RejectReason.InvalidProfile, $"segment is longer than {MaxSegmentLength} characters");
            }
        }
        if (element.TryGetProperty("consent", out var cs) && Unique(cs, "consent.", ["processing"]) is { } duplicate)
        {
            return duplicate;
        }
        profile = new CustomerProfile(tier, clv, segment, ExplicitConsent(element));
        return null;
    }

    /// <summary>
    /// Consent is explicit: only <c>"consent":{"processing":true}</c> is consent. Missing, null, a string, a number
    /// or any other shape is no consent, and the rest of the profile still applies: dead-lettering the record would
    /// leave the customer's previous consent (or the no-profile default) in force, which is the opposite of the
    /// CRM's unclear answer.
    /// </summary>
    private static bool ExplicitConsent(JsonElement profile) =>
        profile.TryGetProperty("consent", out var consent) && consent.ValueKind == JsonValueKind.Object
        && consent.TryGetProperty("processing", out var processing) && processing.ValueKind == JsonValueKind.True;

    /// <summary>
    /// Every name and string of a profile must decode to text (an escaped lone surrogate does not): looking a field
    /// up decodes the names, so they are checked once, up front, within the depth the document allows.
    /// </summary>
    private static Rejection? AllText(JsonElement element)
    {
        try
        {
            Decode(element);
            return null;
        }
        catch (InvalidOperationException)
        {
            return new Rejection(RejectReason.InvalidText, "a field name or string is not valid text: an escape decodes to an unpaired surrogate");
        }
    }

    private static void Decode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Decode(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Decode(item);
                }
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined:
                break;
        }
    }

    /// <summary>A profile field that is there and not null.</summary>
    private static JsonElement? Present(JsonElement profile, string field) =>
        profile.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A string; its text was checked by <see cref="AllText"/>.</summary>
    private static Rejection? Text(JsonElement element, string field, out string? value)
    {
        value = null;
        if (element.ValueKind != JsonValueKind.String)
        {
            return new Rejection(RejectReason.InvalidProfile, $"{field} must be a string");
        }
        value = element.GetString();
        return null;
    }

    /// <summary>A field the contract knows appears at most once: a second one is ambiguous, not "last wins".</summary>
    private static Rejection? Unique(JsonElement element, string prefix, IReadOnlyList<string> known)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        Span<int> counts = stackalloc int[known.Count];
        foreach (var property in element.EnumerateObject())
        {
            for (var i = 0; i < known.Count; i++)
            {
                if (property.NameEquals(known[i]) && ++counts[i] > 1)
                {
                    return new Rejection(RejectReason.DuplicateField, $"{prefix}{known[i]} appears more than once; which one is meant is ambiguous");
                }
            }
        }
        return null;
    }
}
