using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Redis.State;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>
/// Everything the processor is configured with, bound from appsettings.json, then SOCIALCRM__*
/// environment variables (SOCIALCRM__Kafka__BootstrapServers), then command-line flags.
/// </summary>
public sealed class SocialCrmOptions
{
    public KafkaIngestOptions Kafka { get; set; } = new();
    public RedisStoreOptions Redis { get; set; } = new();
    public ClusterNodeOptions Cluster { get; set; } = new();
    public PipelineOptions Pipeline { get; set; } = new();
    public MetricsOptions Metrics { get; set; } = new();
    public TenantOptions Tenants { get; set; } = new();
    public HealthOptions Health { get; set; } = new();
    public PrivacyOptions Privacy { get; set; } = new();
}

public sealed class ClusterNodeOptions
{
    /// <summary>The name other nodes reach this one by (a pod's stable DNS name on Kubernetes).</summary>
    public string Hostname { get; set; } = "127.0.0.1";
    /// <summary>Akka remoting port; 0 picks a free one (a cluster of one only).</summary>
    public int Port { get; set; } = 4053;
    /// <summary>Comma-separated host:port of seed nodes; empty = a cluster of one.</summary>
    public string SeedNodes { get; set; } = "";
    public TimeSpan PassivateIdleAfter { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>
    /// How long a member must stay unreachable before the split-brain resolver (keep-majority) downs it; its
    /// shards move only then, so this bounds how long a crashed node's customers wait.
    /// </summary>
    public TimeSpan DownUnreachableAfter { get; set; } = TimeSpan.FromSeconds(20);
    /// <summary>Remoting over mutual TLS with a shared certificate; empty: plaintext (a NetworkPolicy should then fence the port).</summary>
    public ClusterTlsOptions Tls { get; set; } = new();
    /// <summary>Optional: members found through the Kubernetes API instead of <see cref="SeedNodes"/>.</summary>
    public KubernetesBootstrapOptions Bootstrap { get; set; } = new();
}

public sealed class PipelineOptions
{
    /// <summary>
    /// Records in the ordered window between consume and commit (in batches of <see cref="BatchMaxRecords"/>). Messages
    /// to customers are bounded by it (never a tell-flood of sharding); it is wide because a record whose customer is slow
    /// (loading, a store retry) must not stop the others behind it from reaching their customers: at 512, records waited
    /// seconds for a window slot at half the maximum rate (`socialcrm bench`), at 4096 a few hundred ms at worst.
    /// </summary>
    public int Parallelism { get; set; } = 4096;
    /// <summary>
    /// At most this many records make one batch: each customer of a batch gets one message with its records of it
    /// (one write), and the batch completes as a whole. Larger batches cost fewer messages and writes per record.
    /// <see cref="Parallelism"/> / this many batches are in flight at a time (at least one).
    /// </summary>
    public int BatchMaxRecords { get; set; } = 256;
    /// <summary>A batch is closed after this long even when smaller than <see cref="BatchMaxRecords"/>: the latency a batch adds at low rates.</summary>
    public TimeSpan BatchMaxDelay { get; set; } = TimeSpan.FromMilliseconds(2);
    /// <summary>How long one ask waits before it is retried (the entity skips what it already applied); also how long a brand report waits for its monitor's answer before it is sent again.</summary>
    public TimeSpan AskTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// How far a mention's createdAt may lie beyond the wall clock (producers' clocks drift); a later one is
    /// dead-lettered (event-time-out-of-range) instead of standing for "now" in every window it reaches.
    /// </summary>
    public TimeSpan MaxEventTimeSkew { get; set; } = DefaultMaxEventTimeSkew;

    public static readonly TimeSpan DefaultMaxEventTimeSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many times a customer's load, write or forget that the store refuses (a key of another type, stored fields that
    /// do not read back) is tried, with backoff and jitter, before its waiting records are dead-lettered (entity-failed).
    /// A store that is down is retried for as long as it is down, whatever this says.
    /// </summary>
    public int EntityFailureAttempts { get; set; } = 5;
}

/// <summary>Which brands (tenants) the processor takes on: what a record of any other brand costs is one dead letter.</summary>
public sealed class TenantOptions
{
    /// <summary>The only brands taken on; empty = any brand, up to <see cref="MaxBrands"/>.</summary>
    public string[] AllowedBrands { get; set; } = [];
    /// <summary>Without an allow-list, how many distinct brands are taken on (cluster-wide, kept in Redis); a new one beyond that is dead-lettered (unknown-brand).</summary>
    public int MaxBrands { get; set; } = 10_000;
}

public sealed class MetricsOptions
{
    /// <summary>Port of /metrics and the health endpoints; 0 = an ephemeral port on 127.0.0.1 (tests, the demo).</summary>
    public int Port { get; set; } = 9464;
}

public sealed class HealthOptions
{
    /// <summary>
    /// /health/ready fails when records wait (in flight, or lag) and none was done for this long: a stalled node says so.
    /// Longer than Pipeline:AskTimeout, since a slow customer is asked again only after that.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(1);
}
