using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// A JSON Schema 2020-12 validator for the keywords topology/schemas use (no third-party validator
/// restores from this machine's package registry). It refuses a schema with any keyword it does not
/// implement, so a schema can't quietly rely on something unchecked. Formats are asserted
/// (date-time = RFC 3339). Where Python's jsonschema is installed, PythonCrossCheckTests run the
/// same samples through it too.
/// </summary>
public sealed class MiniJsonSchema
{
    private static readonly HashSet<string> Annotations = ["$schema", "$id", "title", "description", "default", "examples", "$comment", "$defs"];
    private static readonly HashSet<string> Assertions =
    [
        "type", "enum", "const", "required", "properties", "additionalProperties", "items", "minItems", "maxItems",
        "minLength", "maxLength", "pattern", "minimum", "maximum", "format", "$ref", "not",
    ];

    private readonly JsonElement _root;

    private MiniJsonSchema(JsonElement root)
    {
        _root = root;
        CheckKeywords(root, "#");
    }

    public static MiniJsonSchema Load(string path) => new(JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone());

    public static MiniJsonSchema Parse(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    /// <summary>Errors (instance path: message); empty when the instance is valid.</summary>
    public IReadOnlyList<string> Validate(string json) => Validate(JsonDocument.Parse(json).RootElement);

    public IReadOnlyList<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(_root, instance, "$", errors);
        return errors;
    }

    private static void CheckKeywords(JsonElement schema, string at)
    {
        if (schema.ValueKind == JsonValueKind.True || schema.ValueKind == JsonValueKind.False)
        {
            return;
        }
        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw new NotSupportedException($"{at}: a schema must be an object or a boolean");
        }
        foreach (var property in schema.EnumerateObject())
        {
            if (!Annotations.Contains(property.Name) && !Assertions.Contains(property.Name))
            {
                throw new NotSupportedException($"{at}: keyword '{property.Name}' is not implemented by the test validator");
            }
            switch (property.Name)
            {
                case "properties" or "$defs":
                    foreach (var sub in property.Value.EnumerateObject())
                    {
                        CheckKeywords(sub.Value, $"{at}/{property.Name}/{sub.Name}");
                    }
                    break;
                case "items" or "not" or "additionalProperties":
                    CheckKeywords(property.Value, $"{at}/{property.Name}");
                    break;
                case "$ref" when !property.Value.GetString()!.StartsWith("#/", StringComparison.Ordinal):
                    throw new NotSupportedException($"{at}: only local $ref (#/...) is implemented");
                case "format" when property.Value.GetString() is not ("date-time"):
                    throw new NotSupportedException($"{at}: format '{property.Value.GetString()}' is not implemented");
            }
        }
    }

    private void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }
        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: not allowed");
            return;
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(Resolve(reference.GetString()!), value, path, errors);
        }
        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!types.Any(t => IsType(value, t)))
            {
                errors.Add($"{path}: must be {string.Join(" or ", types)}, is {value.ValueKind}");
                return;
            }
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonNode.DeepEquals(JsonNode.Parse(constant.GetRawText()), JsonNode.Parse(value.GetRawText())))
        {
            errors.Add($"{path}: must be {constant.GetRawText()}");
        }
        if (schema.TryGetProperty("enum", out var enumeration)
            && !enumeration.EnumerateArray().Any(e => JsonNode.DeepEquals(JsonNode.Parse(e.GetRawText()), JsonNode.Parse(value.GetRawText()))))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {enumeration.GetRawText()}");
        }
        if (schema.TryGetProperty("not", out var not))
        {
            var inner = new List<string>();
            Check(not, value, path, inner);
            if (inner.Count == 0)
            {
                errors.Add($"{path}: must not match {not.GetRawText()}");
            }
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, errors);
                break;
            case JsonValueKind.Array:
                if (schema.TryGetProperty("minItems", out var minItems) && value.GetArrayLength() < minItems.GetInt32())
                {
                    errors.Add($"{path}: needs at least {minItems.GetInt32()} items");
                }
                if (schema.TryGetProperty("maxItems", out var maxItems) && value.GetArrayLength() > maxItems.GetInt32())
                {
                    errors.Add($"{path}: allows at most {maxItems.GetInt32()} items");
                }
                if (schema.TryGetProperty("items", out var items))
                {
                    var i = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        Check(items, item, $"{path}[{i++}]", errors);
                    }
                }
                break;
            case JsonValueKind.String:
                CheckString(schema, value.GetString()!, path, errors);
                break;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble())
                {
                    errors.Add($"{path}: {number} is below the minimum {minimum.GetDouble()}");
                }
                if (schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble())
                {
                    errors.Add($"{path}: {number} is above the maximum {maximum.GetDouble()}");
                }
                break;
        }
    }

    private void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    errors.Add($"{path}: required property '{name}' is missing");
                }
            }
        }
        var hasProperties = schema.TryGetProperty("properties", out var properties);
        var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, $"{path}.{property.Name}", errors);
            }
            else if (hasAdditional)
            {
                Check(additional, property.Value, $"{path}.{property.Name}", errors);
            }
        }
    }

    private static void CheckString(JsonElement schema, string text, string path, List<string> errors)
    {
        // JSON Schema counts characters as Unicode code points.
        var length = text.EnumerateRunes().Count();
        if (schema.TryGetProperty("minLength", out var minLength) && length < minLength.GetInt32())
        {
            errors.Add($"{path}: shorter than {minLength.GetInt32()} characters");
        }
        if (schema.TryGetProperty("maxLength", out var maxLength) && length > maxLength.GetInt32())
        {
            errors.Add($"{path}: longer than {maxLength.GetInt32()} characters");
        }
        if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{path}: '{Shorten(text)}' does not match {pattern.GetString()}");
        }
        if (schema.TryGetProperty("format", out var format) && format.GetString() == "date-time" && !IsRfc3339(text))
        {
            errors.Add($"{path}: '{Shorten(text)}' is not an RFC 3339 date-time");
        }
    }

    private static readonly Regex Rfc3339 = new(
        @"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant);

    public static bool IsRfc3339(string text) =>
        Rfc3339.IsMatch(text)
        && DateTimeOffset.TryParse(text.Replace(":60", ":59", StringComparison.Ordinal), CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "..." : text;

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && decimal.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"type '{type}'"),
    };

    private JsonElement Resolve(string reference)
    {
        var current = _root;
        foreach (var segment in reference[2..].Split('/'))
        {
            current = current.GetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }
        return current;
    }
}
