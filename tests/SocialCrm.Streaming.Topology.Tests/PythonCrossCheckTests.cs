using System.Text.Json;
using System.Text.Json.Nodes;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// The same valid and broken payloads as SchemaTests, through a second, independent validator:
/// Python's jsonschema (Draft 2020-12, formats asserted). Skipped when it is not installed.
/// </summary>
public sealed class PythonCrossCheckTests
{
    private const string Script = """
        import json, sys
        from jsonschema import Draft202012Validator
        cases = json.load(sys.stdin)
        out = []
        for case in cases:
            schema = json.load(open(case["schema"], encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
            validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
            out.append(not any(True for _ in validator.iter_errors(case["instance"])))
        print(json.dumps(out))
        """;

    [PythonJsonSchemaFact]
    public void Python_jsonschema_agrees_with_the_test_validator()
    {
        var cases = new List<(string Schema, string Instance, string Name)>();
        foreach (var row in SchemaTests.ValidSamples)
        {
            cases.Add(((string)row[0], Repo.Example((string)row[1]), $"{row[1]} valid"));
        }
        foreach (var row in SchemaTests.MentionEdits)
        {
            cases.Add(("mention", SchemaTests.Edit(Repo.Example("mention"), (string)row[1]), $"mention: {row[0]}"));
        }
        foreach (var row in SchemaTests.ProfileEdits)
        {
            cases.Add(("customer-profile", SchemaTests.Edit(Repo.Example("customer-profile"), (string)row[1]), $"customer-profile: {row[0]}"));
        }
        foreach (var row in SchemaTests.BrokenPayloads)
        {
            cases.Add(((string)row[0], SchemaTests.Edit(Repo.Example((string)row[1]), (string)row[2]), $"{row[1]}: {row[2]}"));
        }
        cases.Add(("topics", File.ReadAllText(Repo.TopicsJson), "topics.json"));

        var input = new JsonArray([.. cases.Select(c => new JsonObject { ["schema"] = Repo.Schema(c.Schema), ["instance"] = JsonNode.Parse(c.Instance) })]);
        var result = Tool.Run(Tool.Find("python3")!, ["-c", Script], input.ToJsonString(), TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.Error);
        var python = JsonSerializer.Deserialize<bool[]>(result.Output)!;
        Assert.Equal(cases.Count, python.Length);
        var disagreements = cases.Select((c, i) => (c, python: python[i], ours: MiniJsonSchema.Load(Repo.Schema(c.Schema)).Validate(c.Instance).Count == 0))
            .Where(x => x.python != x.ours)
            .Select(x => $"{x.c.Name}: python {(x.python ? "valid" : "invalid")}, ours {(x.ours ? "valid" : "invalid")}")
            .ToList();
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
    }
}
