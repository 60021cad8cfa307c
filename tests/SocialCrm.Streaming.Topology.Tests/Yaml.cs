using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>Reads YAML documents as JsonNodes (every scalar becomes a string) for easy navigation.</summary>
public static class Yaml
{
    public static IReadOnlyList<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>()];
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode scalar => scalar.Value is null || (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "null" or "~" or "")
            ? null
            : JsonValue.Create(scalar.Value),
        _ => null,
    };

    public static string Str(this JsonNode? node, string path)
    {
        var current = node;
        foreach (var segment in path.Split('.'))
        {
            current = int.TryParse(segment, out var index) ? current?[index] : current?[segment];
        }
        return current?.GetValue<string>() ?? throw new KeyNotFoundException(path);
    }
}
