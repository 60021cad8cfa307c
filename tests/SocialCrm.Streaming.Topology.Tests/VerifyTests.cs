using Confluent.Kafka;
using SocialCrm.Streaming.Kafka.Embedded;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>TopologyAdmin.Verify / ApplyAsync against the embedded librdkafka mock cluster.</summary>
public sealed class VerifyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    internal static MockKafkaCluster ClusterWith(Func<TopicSpec, int?> partitions)
    {
        var cluster = MockKafkaCluster.Start(3);
        foreach (var topic in TopicCatalog.Load(Repo.TopicsJson).Topics)
        {
            if (partitions(topic) is { } count)
            {
                cluster.CreateTopic(topic.Name, count, Math.Min((int)topic.ReplicationFactor, 3));
            }
        }
        return cluster;
    }

    private static IAdminClient Admin(MockKafkaCluster cluster) =>
        TopologyAdmin.CreateAdminClient(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers });

    [Fact]
    public void Verify_reports_a_match_when_every_topic_exists_with_its_partitions()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        using var cluster = ClusterWith(t => t.Partitions);
        using var admin = Admin(cluster);
        var report = TopologyAdmin.Verify(catalog, admin, Timeout);
        Assert.True(report.Matches, report.Format());
        Assert.All(report.Checks, c => Assert.Equal(TopicStatus.Ok, c.Status));
        Assert.All(report.Checks, c => Assert.Equal(c.Expected.Partitions, c.ActualPartitions));
        Assert.Empty(report.Missing);
        Assert.Empty(report.Mismatched);
        Assert.Contains("matches", report.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_reports_missing_topics_and_wrong_partition_counts()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        using var cluster = ClusterWith(t => t.Role switch
        {
            TopicRoles.DeadLetter => null,         // missing
            TopicRoles.Profiles => t.Partitions / 2, // breaks co-partitioning
            _ => t.Partitions,
        });
        using var admin = Admin(cluster);
        var report = TopologyAdmin.Verify(catalog, admin, Timeout);
        Assert.False(report.Matches);
        var missing = Assert.Single(report.Missing);
        Assert.Equal(catalog.DeadLetter, missing.Expected);
        var mismatch = Assert.Single(report.Mismatched);
        Assert.Equal(catalog.Profiles, mismatch.Expected);
        Assert.Equal(TopicStatus.PartitionMismatch, mismatch.Status);
        Assert.Equal(catalog.Profiles.Partitions / 2, mismatch.ActualPartitions);
        var text = report.Format();
        Assert.Contains($"MISSING  {catalog.DeadLetter.Name}", text, StringComparison.Ordinal);
        Assert.Contains($"has {catalog.Profiles.Partitions / 2} partitions, expected {catalog.Profiles.Partitions}", text, StringComparison.Ordinal);
        Assert.Contains("1 missing, 1 mismatched of 7 topics", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_warns_but_passes_on_a_lower_replication_factor()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        using var cluster = MockKafkaCluster.Start(1);
        foreach (var topic in catalog.Topics)
        {
            cluster.CreateTopic(topic.Name, topic.Partitions, 1);
        }
        using var admin = Admin(cluster);
        var report = TopologyAdmin.Verify(catalog, admin, Timeout);
        Assert.True(report.Matches, report.Format());
        Assert.Equal(catalog.Topics.Count(t => t.ReplicationFactor != 1), report.Warnings.Count);
        Assert.Contains("warning: replication factor 1, expected 3", report.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_on_the_mock_cluster_fails_clearly_because_it_has_no_admin_api()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        using var cluster = ClusterWith(t => t.Role == TopicRoles.Mentions ? t.Partitions : null);
        using var admin = Admin(cluster);
        var error = await Assert.ThrowsAsync<AdminApiUnavailableException>(() => TopologyAdmin.ApplyAsync(catalog, admin, TimeSpan.FromSeconds(5)));
        Assert.Contains("admin API", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_with_nothing_missing_or_a_dry_run_creates_nothing()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        using (var complete = ClusterWith(t => t.Partitions))
        using (var admin = Admin(complete))
        {
            var result = await TopologyAdmin.ApplyAsync(catalog, admin, Timeout);
            Assert.Empty(result.Created);
            Assert.True(result.Matches);
        }
        using (var partial = ClusterWith(t => t.Role == TopicRoles.Mentions ? t.Partitions : null))
        using (var admin = Admin(partial))
        {
            var result = await TopologyAdmin.ApplyAsync(catalog, admin, Timeout, dryRun: true);
            Assert.Empty(result.Created);
            Assert.Equal(6, result.After.Missing.Count);
        }
    }
}
