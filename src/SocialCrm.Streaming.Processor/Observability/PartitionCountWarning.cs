using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>
/// Warns at start-up when an input topic on the cluster has another partition count than topology/topics.json gives
/// it: a broker that auto-creates topics (the mock cluster makes 4 partitions when a producer first names one) or a
/// topic created by hand. Customer shards follow the catalog's count, so the node still counts every mention once, but
/// no longer where it reads it: most records take a remote hop, and partitions stop fencing their customers' writes.
/// It does not stop start-up (the topics are the cluster's, and nodes that started before would go on); it runs in the
/// background, so a Kafka that is down delays nothing.
/// </summary>
public sealed class PartitionCountWarning(KafkaIngestOptions kafka, ProcessorTopics topics, ILogger<PartitionCountWarning> logger) : IHostedService
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(Warn, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Warn()
    {
        try
        {
            using var admin = KafkaClientSettings.CreateAdminClient(kafka);
            foreach (var problem in Problems(admin.GetMetadata(MetadataTimeout), topics))
            {
                logger.LogWarning("{Problem}", problem);
            }
        }
        catch (Exception ex)
        {
            logger.LogInformation("Could not compare the input topics' partition counts with topology/topics.json ({Reason}); `socialcrm topology verify` does",
                ex.GetBaseException().Message);
        }
    }

    /// <summary>One sentence per input topic that exists with another partition count than the catalog's (a missing one is waited for).</summary>
    public static IReadOnlyList<string> Problems(Metadata metadata, ProcessorTopics topics) =>
    [
        .. metadata.Topics
            .Where(t => (t.Topic == topics.Mentions || t.Topic == topics.Profiles) && !t.Error.IsError && t.Partitions.Count != topics.MentionPartitions)
            .Select(t => $"Kafka topic {t.Topic} has {t.Partitions.Count} partitions where topology/topics.json gives it {topics.MentionPartitions}: "
                + "customer shards follow topics.json, so records are applied on other nodes than the ones reading them "
                + "(socialcrm_misaligned_records_total counts them) and partitions no longer fence their customers' writes. "
                + "Create the input topics with topics.json's counts (socialcrm topology apply), or change topics.json for a new deployment"),
    ];
}
