using System.Text.Json.Nodes;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Topology.Tests;

public sealed class CatalogTests
{
    [Fact]
    public void Topics_json_loads_with_every_role()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        Assert.Equal(7, catalog.Topics.Count);
        Assert.Equal("social.mentions", catalog.Mentions.Name);
        Assert.Equal("crm.customer-profiles", catalog.Profiles.Name);
        Assert.Equal("social.mentions.dlq", catalog.DeadLetter.Name);
        Assert.Equal("social.alerts.crisis", catalog.CrisisAlerts.Name);
        Assert.Equal("social.triggers.lifecycle", catalog.LifecycleTriggers.Name);
        Assert.Equal("social.cases.events", catalog.CaseEvents.Name);
        Assert.Equal("social.erasures", catalog.Erasures.Name);
        Assert.Equal(12, catalog.Mentions.Partitions);
        Assert.Equal(catalog.Mentions.Partitions, catalog.Profiles.Partitions);
        Assert.Equal("compact", catalog.Profiles.CleanupPolicy);
        Assert.Null(catalog.Profiles.RetentionMs);
        // The input topics take the broker's append time, from which the processing latency counts.
        Assert.All([catalog.Mentions, catalog.Profiles], t => Assert.Equal("LogAppendTime", t.Configs["message.timestamp.type"]));
        Assert.DoesNotContain("message.timestamp.type", catalog.DeadLetter.Configs.Keys);
        Assert.All(catalog.Topics, t => Assert.True(t.ReplicationFactor >= 1));
        Assert.All(catalog.Topics, t => Assert.False(string.IsNullOrWhiteSpace(t.KeyDescription)));
    }

    [Fact]
    public void LoadDefault_finds_the_topology_folder()
    {
        var catalog = TopicCatalog.LoadDefault();
        Assert.Equal(TopicCatalog.Load(Repo.TopicsJson).Topics, catalog.Topics);
    }

    [Theory]
    [InlineData("profiles-partitions", "co-partitioned")]
    [InlineData("duplicate-name", "names must be unique")]
    [InlineData("missing-role", "no topic has role 'lifecycleTriggers'")]
    [InlineData("zero-partitions", "topics[0] ('social.mentions').partitions: must be within 1..")]
    [InlineData("bad-cleanup", "topics[2] ('social.mentions.dlq').cleanupPolicy")]
    [InlineData("profiles-not-compacted", "must be compacted")]
    [InlineData("bad-name", ".name: 'social mentions!' is not a legal Kafka topic name")]
    [InlineData("missing-valueSchema", "topics[3] ('social.alerts.crisis').valueSchema: required")]
    [InlineData("schema-file-missing", "valueSchema: 'schemas/nope.schema.json'")]
    [InlineData("bad-role", ".role: 'sink' is not one of")]
    [InlineData("replication-string", "replicationFactor: required, a whole number")]
    [InlineData("bad-timestamp-type", "topics[0] ('social.mentions').timestampType: must be CreateTime, LogAppendTime or null")]
    public void An_invalid_catalog_is_refused_naming_the_field(string breakage, string expected)
    {
        var root = JsonNode.Parse(File.ReadAllText(Repo.TopicsJson))!;
        var topics = root["topics"]!.AsArray();
        switch (breakage)
        {
            case "profiles-partitions": topics[1]!["partitions"] = 6; break;
            case "duplicate-name": topics[4]!["name"] = "social.mentions"; break;
            case "missing-role": topics.RemoveAt(4); break;
            case "zero-partitions": topics[0]!["partitions"] = 0; break;
            case "bad-cleanup": topics[2]!["cleanupPolicy"] = "shred"; break;
            case "profiles-not-compacted": topics[1]!["cleanupPolicy"] = "delete"; break;
            case "bad-name": topics[0]!["name"] = "social mentions!"; break;
            case "missing-valueSchema": topics[3]!.AsObject().Remove("valueSchema"); break;
            case "schema-file-missing": topics[3]!["valueSchema"] = "schemas/nope.schema.json"; break;
            case "bad-role": topics[2]!["role"] = "sink"; break;
            case "replication-string": topics[2]!["replicationFactor"] = "3"; break;
            case "bad-timestamp-type": topics[0]!["timestampType"] = "WallClock"; break;
        }
        var error = Assert.Throws<TopologyException>(() => TopicCatalog.Parse(root.ToJsonString(), "test.json", Repo.Topology));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_json_is_refused()
    {
        var error = Assert.Throws<TopologyException>(() => TopicCatalog.Parse("{ topics: ", "broken.json"));
        Assert.Contains("broken.json", error.Message, StringComparison.Ordinal);
        Assert.Throws<TopologyException>(() => TopicCatalog.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json")));
    }

    [Fact]
    public void Render_table_lists_every_topic()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        var table = TopologyAdmin.RenderTable(catalog);
        foreach (var topic in catalog.Topics)
        {
            Assert.Contains(topic.Name, table, StringComparison.Ordinal);
        }
        Assert.Contains("Co-partitioned: social.mentions and crm.customer-profiles (12 partitions each", table, StringComparison.Ordinal);
    }
}
