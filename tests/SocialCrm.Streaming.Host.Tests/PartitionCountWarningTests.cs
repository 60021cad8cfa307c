using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// <c>socialcrm run</c> as its own process against a broker whose input topics were auto-created, as the mock cluster
/// does when a producer (kcat) names them first: 4 partitions where topology/topics.json gives 12. The node warns,
/// naming the topic and both counts, and still counts every mention once.
/// </summary>
public sealed class PartitionCountWarningTests(ITestOutputHelper output)
{
    private const int AutoCreatedPartitions = 4;

    [Fact]
    public async Task Input_topics_with_another_partition_count_than_the_catalog_are_warned_about_and_every_mention_still_counts_once()
    {
        using var kafka = MockKafkaFixture.WithBrokers(1);
        using var redis = RedisServers.Start(RedisServers.Garnet);
        var catalog = SocialCrm.Streaming.Kafka.Topology.TopicCatalog.LoadDefault();
        foreach (var topic in catalog.Topics)
        {
            kafka.CreateTopic(topic.Name, topic == catalog.Mentions || topic == catalog.Profiles ? AutoCreatedPartitions : topic.Partitions);
        }
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8];
        await using var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Kafka:GroupId"] = MockKafkaFixture.UniqueGroup("processor"),
            ["Redis:KeyPrefix"] = prefix,
        });

        foreach (var topic in new[] { catalog.Mentions.Name, catalog.Profiles.Name })
        {
            await node.WaitForOutputAsync($"Kafka topic {topic} has {AutoCreatedPartitions} partitions where topology/topics.json gives it {catalog.Mentions.Partitions}", TimeSpan.FromSeconds(90));
        }
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using (var producer = new ProducerBuilder<string, byte[]>(kafka.ProducerConfig()).Build())
        {
            for (var i = 0; i < 200; i++)
            {
                var customer = $"c{i % 20}";
                producer.Produce(catalog.Mentions.Name, new Message<string, byte[]> { Key = $"acme:{customer}", Value = Mention($"m{i}", customer) });
            }
            producer.Flush(TimeSpan.FromSeconds(30));
        }

        using var connection = redis.Connect();
        var database = connection.GetDatabase();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        long[] counts;
        do
        {
            await Task.Delay(250);
            counts = [.. await Task.WhenAll(Enumerable.Range(0, 20).Select(async c => (long?)await database.HashGetAsync($"{prefix}:{{acme}}:customer:c{c}", "mentions") ?? 0))];
        }
        while (counts.Any(count => count < 10) && DateTime.UtcNow < deadline);
        var (code, _) = await node.TerminateAndWaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine(node.Output);
        Assert.All(counts, count => Assert.Equal(10, count));
        Assert.Equal(0, code);
    }

    private static byte[] Mention(string id, string customer) => Encoding.UTF8.GetBytes(
        $$"""{"id":"{{id}}","platform":"x","brand":"acme","customerId":"{{customer}}","author":{"id":"a-{{customer}}"},"text":"fine","createdAt":"{{DateTimeOffset.UtcNow.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}}"}""");
}
