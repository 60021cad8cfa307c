namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>How the input topic is consumed. Bound from configuration section "Kafka".</summary>
public sealed class KafkaIngestOptions
{
    public string BootstrapServers { get; set; } = "";
    public string GroupId { get; set; } = "socialcrm";
    /// <summary>Upper bound of records handed out and not yet done, per partition; reaching it pauses the partition.</summary>
    public int MaxInFlightPerPartition { get; set; } = 2_000;
    /// <summary>Commit after this many records are done...</summary>
    public int CommitBatchSize { get; set; } = 1_000;
    /// <summary>...or after this long, whichever comes first.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How long a revoked partition or a shutdown waits for in-flight records before committing what is done.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(15);
    public int SessionTimeoutMs { get; set; } = 10_000;
    /// <summary>Extra librdkafka properties (security.protocol, sasl.*, ...), passed through unchanged.</summary>
    public Dictionary<string, string> Properties { get; set; } = [];
}
