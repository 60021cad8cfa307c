using SocialCrm.Streaming.Redis.State;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>Thrown at start-up for an invalid setting; the command exits with code 2 and this message.</summary>
public sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + SecretMask.Apply(e))))
{
    public IReadOnlyList<string> Errors { get; } = [.. errors.Select(SecretMask.Apply)];
}

/// <summary>Every rule names the setting, its value and what is wrong, so a bad deployment fails at start-up, not at 3 a.m.</summary>
public static class OptionsValidator
{
    public static IReadOnlyList<string> Validate(SocialCrmOptions options)
    {
        var errors = new List<string>();
        var kafka = options.Kafka;
        Require(errors, !string.IsNullOrWhiteSpace(kafka.BootstrapServers), "Kafka:BootstrapServers", kafka.BootstrapServers, "is required (flag --kafka, env SOCIALCRM__Kafka__BootstrapServers)");
        Require(errors, !string.IsNullOrWhiteSpace(kafka.GroupId), "Kafka:GroupId", kafka.GroupId, "must not be empty");
        Require(errors, kafka.MaxInFlightPerPartition >= 1, "Kafka:MaxInFlightPerPartition", kafka.MaxInFlightPerPartition, "must be >= 1");
        Require(errors, kafka.CommitBatchSize >= 1, "Kafka:CommitBatchSize", kafka.CommitBatchSize, "must be >= 1");
        Require(errors, kafka.CommitInterval > TimeSpan.Zero, "Kafka:CommitInterval", kafka.CommitInterval, "must be > 0");
        Require(errors, kafka.DrainTimeout > TimeSpan.Zero, "Kafka:DrainTimeout", kafka.DrainTimeout, "must be > 0");
        RequireAtMost(errors, "Kafka:CommitInterval", kafka.CommitInterval, TimeSpan.FromMinutes(10), "a crash replays what waits that long for its commit");
        RequireAtMost(errors, "Kafka:DrainTimeout", kafka.DrainTimeout, TimeSpan.FromHours(1), "a stop that may wait longer is no stop; Kubernetes kills the pod far sooner");
        Require(errors, kafka.SessionTimeoutMs is >= 1_000 and <= 300_000, "Kafka:SessionTimeoutMs", kafka.SessionTimeoutMs, "must be within 1000..300000");
        foreach (var (key, value) in (kafka.Properties ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Require(errors, !string.IsNullOrWhiteSpace(key), "Kafka:Properties", key, "must not have an empty property name");
            if (ProcessorOwnedKafkaProperties.TryGetValue(key.Trim(), out var owner))
            {
                // The value may be anything the processor would silently overwrite; it is shown (these keys are never secrets).
                Require(errors, false, $"Kafka:Properties:{key}", value, $"is set by the processor itself ({owner}) and may not be overridden");
            }
        }

        var redis = options.Redis;
        Require(errors, !string.IsNullOrWhiteSpace(redis.Configuration), "Redis:Configuration", redis.Configuration, "is required (flag --redis, env SOCIALCRM__Redis__Configuration)");
        if (!string.IsNullOrWhiteSpace(redis.Configuration))
        {
            try
            {
                var parsed = StackExchange.Redis.ConfigurationOptions.Parse(redis.Configuration);
                Require(errors, parsed.EndPoints.Count > 0, "Redis:Configuration", SecretMask.Apply(redis.Configuration), "must name at least one host:port");
            }
            catch (ArgumentException ex)
            {
                // The configuration string may hold a password: it is shown with the password masked.
                errors.Add($"Redis:Configuration is not a StackExchange.Redis configuration string ({ex.Message}); was '{SecretMask.Apply(redis.Configuration)}'");
            }
        }
        ValidateRedisTls(errors, redis);
        Require(errors, RedisKeys.IsValidPrefix(redis.KeyPrefix), "Redis:KeyPrefix", redis.KeyPrefix, RedisKeys.PrefixRule);
        Require(errors, redis.ListCapacity >= 1, "Redis:ListCapacity", redis.ListCapacity, "must be >= 1");
        Require(errors, redis.TimelineCapacity >= 0, "Redis:TimelineCapacity", redis.TimelineCapacity, "must be >= 0 (0: no timeline)");
        Require(errors, redis.VolumeRetention >= TimeSpan.FromMinutes(1), "Redis:VolumeRetention", redis.VolumeRetention, "must be at least one minute");
        Require(errors, redis.SignalIdRetention >= TimeSpan.FromMinutes(1), "Redis:SignalIdRetention", redis.SignalIdRetention, "must be at least one minute");
        Require(errors, redis.CustomerRetention >= TimeSpan.FromHours(1), "Redis:CustomerRetention", redis.CustomerRetention,
            "must be at least one hour (and should outlast the mentions topic's retention, or a replay counts a customer's mentions again)");
        Require(errors, redis.SignalListRetention >= TimeSpan.FromMinutes(1), "Redis:SignalListRetention", redis.SignalListRetention, "must be at least one minute");
        Require(errors, redis.BrandMonitorRetention >= TimeSpan.FromHours(1), "Redis:BrandMonitorRetention", redis.BrandMonitorRetention, "must be at least one hour");
        Require(errors, redis.ErasureMarkerRetention >= TimeSpan.FromMinutes(1), "Redis:ErasureMarkerRetention", redis.ErasureMarkerRetention, "must be at least one minute");
        foreach (var (setting, retention) in new[]
        {
            ("Redis:VolumeRetention", redis.VolumeRetention), ("Redis:SignalIdRetention", redis.SignalIdRetention),
            ("Redis:CustomerRetention", redis.CustomerRetention), ("Redis:SignalListRetention", redis.SignalListRetention),
            ("Redis:BrandMonitorRetention", redis.BrandMonitorRetention), ("Redis:ErasureMarkerRetention", redis.ErasureMarkerRetention),
        })
        {
            RequireAtMost(errors, setting, retention, RedisStoreOptions.LongestRetention, "personal data kept longer than that is kept for good");
        }

        var cluster = options.Cluster;
        Require(errors, !string.IsNullOrWhiteSpace(cluster.Hostname), "Cluster:Hostname", cluster.Hostname, "must not be empty");
        Require(errors, cluster.Port is >= 0 and <= 65535, "Cluster:Port", cluster.Port, "must be within 0..65535");
        foreach (var seed in SeedNodeList.Parse(cluster.SeedNodes))
        {
            Require(errors, SeedNodeList.TryParseHostPort(seed, out _, out _), "Cluster:SeedNodes", seed, "must be host:port (flag --seed-nodes host:port[,host:port])");
        }
        Require(errors, cluster.Port != 0 || SeedNodeList.Parse(cluster.SeedNodes).Count == 0, "Cluster:Port", cluster.Port, "may be 0 only for a cluster of one (no seed nodes)");
        foreach (var (setting, path) in new[] { ("Certificate", cluster.Tls.Certificate), ("Key", cluster.Tls.Key), ("CaCertificate", cluster.Tls.CaCertificate) })
        {
            Require(errors, path.Length == 0 || File.Exists(path), $"Cluster:Tls:{setting}", path, "must be a readable file (a mounted Secret)");
            Require(errors, path.Length == 0 || cluster.Tls.Certificate.Length > 0, $"Cluster:Tls:{setting}", path, "needs Cluster:Tls:Certificate (the certificate this node presents)");
        }
        Require(errors, cluster.PassivateIdleAfter >= TimeSpan.FromSeconds(1) && cluster.PassivateIdleAfter <= TimeSpan.FromDays(30), "Cluster:PassivateIdleAfter",
            cluster.PassivateIdleAfter, "must be within 00:00:01..30.00:00:00 (shorter loads a customer from Redis again for nearly every mention)");
        RequireAtMost(errors, "Cluster:DownUnreachableAfter", cluster.DownUnreachableAfter, TimeSpan.FromHours(1),
            "an unreachable member's partitions wait that long for a new owner");
        Require(errors, cluster.DownUnreachableAfter >= TimeSpan.FromSeconds(1), "Cluster:DownUnreachableAfter", cluster.DownUnreachableAfter,
            "must be >= 1s (shorter downs members on a GC pause or a network blip)");
        cluster.Bootstrap.Validate(cluster, options.Metrics.Port, errors);

        Require(errors, options.Pipeline.Parallelism is >= 1 and <= 100_000, "Pipeline:Parallelism", options.Pipeline.Parallelism, "must be within 1..100000");
        Require(errors, options.Pipeline.AskTimeout > TimeSpan.Zero, "Pipeline:AskTimeout", options.Pipeline.AskTimeout, "must be > 0");
        RequireAtMost(errors, "Pipeline:AskTimeout", options.Pipeline.AskTimeout, TimeSpan.FromHours(1), "a lost message holds its records that long");
        Require(errors, options.Pipeline.BatchMaxRecords is >= 1 and <= 10_000, "Pipeline:BatchMaxRecords", options.Pipeline.BatchMaxRecords, "must be within 1..10000");
        Require(errors, options.Pipeline.BatchMaxDelay >= TimeSpan.FromMilliseconds(1) && options.Pipeline.BatchMaxDelay <= TimeSpan.FromSeconds(1),
            "Pipeline:BatchMaxDelay", options.Pipeline.BatchMaxDelay, "must be within 00:00:00.001..00:00:01 (the latency a batch may add)");
        Require(errors, options.Pipeline.MaxEventTimeSkew > TimeSpan.Zero && options.Pipeline.MaxEventTimeSkew <= TimeSpan.FromDays(1),
            "Pipeline:MaxEventTimeSkew", options.Pipeline.MaxEventTimeSkew, "must be within 00:00:01..1.00:00:00 (how far createdAt may lie beyond the wall clock)");
        Require(errors, options.Pipeline.EntityFailureAttempts is >= 1 and <= 100, "Pipeline:EntityFailureAttempts", options.Pipeline.EntityFailureAttempts, "must be within 1..100");
        foreach (var (brand, index) in options.Tenants.AllowedBrands.Select((brand, index) => (brand, index)))
        {
            Require(errors, Domain.Mentions.MentionParser.IsValidBrand(brand), $"Tenants:AllowedBrands:{index}", brand,
                $"must be a brand as mentions name it ([a-z0-9_-]{{1,{Domain.Mentions.MentionParser.MaxBrandLength}}})");
        }
        Require(errors, options.Tenants.MaxBrands is >= 1 and <= 1_000_000, "Tenants:MaxBrands", options.Tenants.MaxBrands, "must be within 1..1000000");
        Require(errors, options.Health.StallTimeout > options.Pipeline.AskTimeout, "Health:StallTimeout", options.Health.StallTimeout,
            $"must be longer than Pipeline:AskTimeout ({options.Pipeline.AskTimeout}): a record waits that long before it is asked again");
        RequireAtMost(errors, "Health:StallTimeout", options.Health.StallTimeout, TimeSpan.FromDays(1), "a stalled node would report healthy that long");
        Require(errors, options.Metrics.Port is >= 0 and <= 65535, "Metrics:Port", options.Metrics.Port, "must be within 0..65535 (0 = an ephemeral port on 127.0.0.1)");
        options.Privacy.Validate(errors);
        Require(errors, options.Metrics.Port == 0 || options.Metrics.Port != cluster.Port, "Metrics:Port", options.Metrics.Port, $"must differ from Cluster:Port ({cluster.Port})");
        return errors;
    }

    /// <summary>The files must exist; whether they hold what they should is checked when they are loaded, also at start-up.</summary>
    private static void ValidateRedisTls(List<string> errors, Redis.State.RedisStoreOptions redis)
    {
        var tls = redis.Tls;
        foreach (var (setting, path) in new[] { ("CaCertificate", tls.CaCertificate), ("ClientCertificate", tls.ClientCertificate), ("ClientKey", tls.ClientKey) })
        {
            Require(errors, path.Length == 0 || File.Exists(path), $"Redis:Tls:{setting}", path, "must be a readable file (a mounted Secret)");
        }
        Require(errors, tls.ClientKey.Length == 0 || tls.ClientCertificate.Length > 0, "Redis:Tls:ClientKey", tls.ClientKey, "needs Redis:Tls:ClientCertificate");
        Require(errors, tls.Enabled || !tls.HasAnyFile || redis.Configuration.Contains("ssl=true", StringComparison.OrdinalIgnoreCase), "Redis:Tls:Enabled", tls.Enabled,
            "must be true when Redis:Tls certificates are given (a certificate would otherwise be ignored on a plaintext connection)");
    }

    /// <summary>Rules that need the topics of topology/topics.json.</summary>
    public static IReadOnlyList<string> ValidateAgainstTopics(SocialCrmOptions options, Kafka.Topology.TopicCatalog catalog)
    {
        var errors = new List<string>();
        if (catalog.Mentions.RetentionMs is { } retentionMs)
        {
            // A marker gone while the topic still holds an erased person's mentions would let a replay bring them back.
            Require(errors, options.Redis.ErasureMarkerRetention >= TimeSpan.FromMilliseconds(retentionMs), "Redis:ErasureMarkerRetention",
                options.Redis.ErasureMarkerRetention, $"must be at least the retention of topic {catalog.Mentions.Name} ({TimeSpan.FromMilliseconds(retentionMs)})");
        }
        return errors;
    }

    /// <summary>librdkafka properties the processor sets itself: overriding them would break its delivery promise or be ignored.</summary>
    public static readonly IReadOnlyDictionary<string, string> ProcessorOwnedKafkaProperties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["bootstrap.servers"] = "use Kafka:BootstrapServers",
        ["group.id"] = "use Kafka:GroupId",
        ["session.timeout.ms"] = "use Kafka:SessionTimeoutMs",
        ["enable.auto.commit"] = "offsets are committed only once records are processed",
        ["enable.auto.offset.store"] = "offsets are committed only once records are processed",
        ["auto.offset.reset"] = "a new group starts at the earliest offset",
        ["partition.assignment.strategy"] = "range keeps co-partitioned topics together",
        ["queued.max.messages.kbytes"] = "bounded prefetch, see Kafka:MaxInFlightPerPartition",
        ["isolation.level"] = "only committed transactions are read",
        ["enable.partition.eof"] = "commits reach the end of the log past transaction markers",
        ["enable.idempotence"] = "outputs are written idempotently",
        ["acks"] = "outputs need acks=all",
        ["partitioner"] = "murmur2_random, the Java client's partitioning",
    };

    /// <summary>
    /// A duration past its use is a typo (<c>30d</c> for <c>30s</c>), and one that arms a timer fails beyond a timer's
    /// range (49.7 days) only when the timer is set: a stop, minutes or weeks after start-up.
    /// </summary>
    private static void RequireAtMost(List<string> errors, string setting, TimeSpan value, TimeSpan longest, string why) =>
        Require(errors, value <= longest, setting, value, $"must be at most {longest} ({why})");

    private static void Require(List<string> errors, bool rule, string setting, object? value, string what)
    {
        if (!rule)
        {
            errors.Add($"{setting} {what}; was '{SecretMask.Shown(setting, value)}'");
        }
    }
}

public static class SeedNodeList
{
    public static IReadOnlyList<string> Parse(string? seedNodes) =>
        (seedNodes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static bool TryParseHostPort(string value, out string host, out int port)
    {
        var colon = value.LastIndexOf(':');
        host = colon > 0 ? value[..colon] : "";
        port = 0;
        return colon > 0 && int.TryParse(value[(colon + 1)..], out port) && port is > 0 and <= 65535;
    }
}
