using System.CommandLine;
using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>`socialcrm topology render|verify|apply` end to end, against the embedded mock cluster.</summary>
public sealed class CommandTests
{
    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        var root = new RootCommand("test") { TopologyCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var parse = root.Parse(["topology", .. args]);
        Assert.Empty(parse.Errors);
        var code = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Render_table_and_strimzi()
    {
        var (code, output, _) = await Run("render", "--topology", Repo.TopicsJson);
        Assert.Equal(0, code);
        Assert.Equal(TopologyAdmin.RenderTable(TopicCatalog.Load(Repo.TopicsJson)), output);

        (code, output, _) = await Run("render", "--format", "strimzi", "--topology", Repo.TopicsJson);
        Assert.Equal(0, code);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.K8s, "topics", "kafka-topics.yaml")), output);
    }

    [Fact]
    public async Task Render_uses_the_topology_beside_the_executable_by_default()
    {
        var (code, output, _) = await Run("render");
        Assert.Equal(0, code);
        Assert.Contains("social.mentions", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_topology_exits_2_naming_the_field()
    {
        var path = Path.Combine(Path.GetTempPath(), $"topics-{Guid.NewGuid():N}.json");
        var broken = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Repo.TopicsJson))!;
        broken["topics"]![1]!["partitions"] = 6;
        await File.WriteAllTextAsync(path, broken.ToJsonString());
        try
        {
            var (code, _, error) = await Run("render", "--topology", path);
            Assert.Equal(2, code);
            Assert.Contains("co-partitioned", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Verify_exits_0_on_a_matching_cluster_and_1_on_a_different_one()
    {
        using (var matching = VerifyTests.ClusterWith(t => t.Partitions))
        {
            var (code, output, error) = await Run("verify", "--kafka", matching.BootstrapServers, "--topology", Repo.TopicsJson, "--timeout", "10s");
            Assert.True(code == 0, output + error);
            Assert.Contains("Result: the cluster matches topology (7 topics).", output, StringComparison.Ordinal);
        }
        using (var different = VerifyTests.ClusterWith(t => t.Role switch
        {
            TopicRoles.Mentions => 6,
            TopicRoles.LifecycleTriggers => null,
            _ => t.Partitions,
        }))
        {
            var (code, output, _) = await Run("verify", "--kafka", different.BootstrapServers, "--topology", Repo.TopicsJson, "--timeout", "10s");
            Assert.Equal(1, code);
            Assert.Contains("MISMATCH social.mentions", output, StringComparison.Ordinal);
            Assert.Contains("has 6 partitions, expected 12", output, StringComparison.Ordinal);
            Assert.Contains("MISSING  social.triggers.lifecycle", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verify_without_bootstrap_servers_exits_2()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SOCIALCRM__Kafka__BootstrapServers")))
        {
            return; // configured from outside: nothing to test here
        }
        var (code, _, error) = await Run("verify", "--topology", Repo.TopicsJson);
        Assert.Equal(2, code);
        Assert.Contains("Kafka:BootstrapServers", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_of_an_unreachable_cluster_exits_1()
    {
        var port = SocialCrm.Streaming.Testing.FreePort.Next();
        var (code, _, error) = await Run("verify", "--kafka", $"127.0.0.1:{port}", "--topology", Repo.TopicsJson, "--timeout", "2s");
        Assert.Equal(1, code);
        Assert.Contains("cannot read the metadata", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_on_the_mock_cluster_exits_2_with_a_clear_message()
    {
        using var cluster = VerifyTests.ClusterWith(t => t.Role == TopicRoles.Mentions ? t.Partitions : null);
        var (code, _, error) = await Run("apply", "--kafka", cluster.BootstrapServers, "--topology", Repo.TopicsJson, "--timeout", "5s");
        Assert.Equal(2, code);
        Assert.Contains("admin API", error, StringComparison.Ordinal);

        var dryRun = await Run("apply", "--dry-run", "--kafka", cluster.BootstrapServers, "--topology", Repo.TopicsJson, "--timeout", "5s");
        Assert.Equal(0, dryRun.Code);
        Assert.Contains("would create social.mentions.dlq", dryRun.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_usage_exits_2()
    {
        var root = new RootCommand("test") { TopologyCommand.Create() };
        Assert.Equal(2, await CommandRunner.InvokeAsync(root, ["topology", "render", "--format", "pdf"]));
    }
}
