using SocialCrm.Streaming.Host.Configuration;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Every start-up validation rule, one case each: an invalid value stops start-up with a
/// <see cref="ConfigurationException"/> (exit 2) whose message names the setting and the bad value.
/// </summary>
public sealed class ConfigurationValidationTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Kafka:BootstrapServers"] = "localhost:9092",
        ["Redis:Configuration"] = "localhost:6379",
        ["Cluster:Port"] = "4053",
        ["Cluster:SeedNodes"] = "",
        ["Metrics:Port"] = "9464",
    };

    private static ConfigurationException Invalid(params (string Setting, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(Valid);
        foreach (var (setting, value) in overrides)
        {
            settings[setting] = value;
        }
        var configuration = ConfigurationLoader.Build(settings);
        return Assert.Throws<ConfigurationException>(() =>
        {
            ConfigurationLoader.Bind(configuration);
            RulesConfiguration.Bind(configuration);
        });
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1500ms", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("0.5h", 1_800_000)]
    [InlineData("00:00:45", 45_000)]
    public void A_duration_setting_may_be_written_with_a_unit(string value, long milliseconds)
    {
        var configuration = ConfigurationLoader.Build(new Dictionary<string, string?>(Valid) { ["Kafka:DrainTimeout"] = value });
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), ConfigurationLoader.Bind(configuration).Kafka.DrainTimeout);
    }

    [Fact]
    public void The_valid_baseline_binds()
    {
        var configuration = ConfigurationLoader.Build(Valid);
        Assert.Equal("localhost:9092", ConfigurationLoader.Bind(configuration).Kafka.BootstrapServers);
        Assert.NotNull(RulesConfiguration.Bind(configuration));
    }

    [Theory]
    [InlineData("Kafka:BootstrapServers", " ", "is required")]
    [InlineData("Kafka:GroupId", " ", "must not be empty")]
    [InlineData("Kafka:MaxInFlightPerPartition", "0", ">= 1")]
    [InlineData("Kafka:CommitBatchSize", "0", ">= 1")]
    [InlineData("Kafka:CommitInterval", "00:00:00", "> 0")]
    [InlineData("Kafka:DrainTimeout", "-00:00:01", "> 0")]
    [InlineData("Kafka:SessionTimeoutMs", "500", "1000..300000")]
    [InlineData("Kafka:Properties:enable.auto.commit", "true", "set by the processor itself")]
    [InlineData("Kafka:Properties:enable.auto.offset.store", "true", "set by the processor itself")]
    [InlineData("Kafka:Properties:group.id", "other", "use Kafka:GroupId")]
    [InlineData("Kafka:Properties:bootstrap.servers", "other:9092", "use Kafka:BootstrapServers")]
    [InlineData("Kafka:Properties:session.timeout.ms", "45000", "use Kafka:SessionTimeoutMs")]
    [InlineData("Kafka:Properties:auto.offset.reset", "latest", "set by the processor itself")]
    [InlineData("Kafka:Properties:partition.assignment.strategy", "roundrobin", "set by the processor itself")]
    [InlineData("Kafka:Properties:queued.max.messages.kbytes", "1000000", "set by the processor itself")]
    [InlineData("Kafka:Properties:enable.idempotence", "false", "set by the processor itself")]
    [InlineData("Kafka:Properties:isolation.level", "read_uncommitted", "set by the processor itself (only committed transactions are read)")]
    [InlineData("Kafka:Properties:enable.partition.eof", "false", "set by the processor itself")]
    [InlineData("Kafka:Properties:acks", "1", "acks=all")]
    [InlineData("Kafka:Properties:partitioner", "consistent_random", "murmur2_random")]
    [InlineData("Redis:Configuration", " ", "is required")]
    [InlineData("Redis:KeyPrefix", "a b", "without spaces")]
    [InlineData("Redis:KeyPrefix", "scrm{x}", "without spaces or braces")]
    [InlineData("Redis:ListCapacity", "0", ">= 1")]
    [InlineData("Redis:VolumeRetention", "00:00:30", "at least one minute")]
    [InlineData("Redis:SignalIdRetention", "00:00:30", "at least one minute")]
    [InlineData("Redis:CustomerRetention", "00:30:00", "at least one hour")]
    [InlineData("Redis:SignalListRetention", "00:00:30", "at least one minute")]
    [InlineData("Redis:BrandMonitorRetention", "00:30:00", "at least one hour")]
    [InlineData("Redis:ErasureMarkerRetention", "00:00:30", "at least one minute")]
    [InlineData("Cluster:Hostname", " ", "must not be empty")]
    [InlineData("Cluster:Port", "70000", "0..65535")]
    [InlineData("Cluster:SeedNodes", "node-a", "host:port")]
    [InlineData("Cluster:PassivateIdleAfter", "00:00:00.500", "00:00:01..30.00:00:00")]
    [InlineData("Cluster:PassivateIdleAfter", "31.00:00:00", "00:00:01..30.00:00:00")]
    [InlineData("Cluster:DownUnreachableAfter", "02:00:00", "at most 01:00:00")]
    [InlineData("Kafka:CommitInterval", "01:00:00", "at most 00:10:00")]
    [InlineData("Kafka:DrainTimeout", "100000.00:00:00", "at most 01:00:00")]
    [InlineData("Pipeline:AskTimeout", "02:00:00", "at most 01:00:00")]
    [InlineData("Health:StallTimeout", "2.00:00:00", "at most 1.00:00:00")]
    [InlineData("Redis:VolumeRetention", "3651.00:00:00", "at most 3650.00:00:00")]
    [InlineData("Redis:SignalIdRetention", "3651.00:00:00", "at most 3650.00:00:00")]
    [InlineData("Redis:CustomerRetention", "1000000.00:00:00", "at most 3650.00:00:00")]
    [InlineData("Redis:SignalListRetention", "3651.00:00:00", "at most 3650.00:00:00")]
    [InlineData("Redis:BrandMonitorRetention", "3651.00:00:00", "at most 3650.00:00:00")]
    [InlineData("Redis:ErasureMarkerRetention", "3651.00:00:00", "at most 3650.00:00:00")]
    [InlineData("Cluster:DownUnreachableAfter", "00:00:00.500", ">= 1s")]
    [InlineData("Pipeline:Parallelism", "0", "1..100000")]
    [InlineData("Pipeline:AskTimeout", "00:00:00", "> 0")]
    [InlineData("Pipeline:BatchMaxRecords", "0", "1..10000")]
    [InlineData("Pipeline:BatchMaxDelay", "00:00:00", "00:00:00.001..00:00:01")]
    [InlineData("Pipeline:BatchMaxDelay", "00:00:02", "00:00:00.001..00:00:01")]
    [InlineData("Pipeline:EntityFailureAttempts", "0", "1..100")]
    [InlineData("Tenants:AllowedBrands:0", "Acme Corp", "[a-z0-9_-]{1,64}")]
    [InlineData("Tenants:MaxBrands", "0", "1..1000000")]
    [InlineData("Pipeline:MaxEventTimeSkew", "00:00:00", "00:00:01..1.00:00:00")]
    [InlineData("Pipeline:MaxEventTimeSkew", "2.00:00:00", "00:00:01..1.00:00:00")]
    [InlineData("Metrics:Port", "65536", "0..65535")]
    [InlineData("Health:StallTimeout", "00:00:10", "longer than Pipeline:AskTimeout")]
    [InlineData("Health:StallTimeout", "later", "'later' is not a duration: write 500ms, 30s, 5m, 2h, 7d or 00:00:30")]
    [InlineData("Kafka:DrainTimeout", "30", "'30' has no unit, and .NET would read it as 30 days")]
    [InlineData("Redis:CustomerRetention", "90", "'90' has no unit")]
    [InlineData("Kafka:CommitBatchSize", "lots", "Int32")]
    [InlineData("Cluster:PassivateIdleAfter", "soon", "is not a duration")]
    public void An_invalid_setting_is_named_with_its_value_and_rule(string setting, string value, string rule)
    {
        var error = Invalid((setting, value));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_erasure_marker_must_outlast_the_mentions_topic()
    {
        var catalog = SocialCrm.Streaming.Kafka.Topology.TopicCatalog.LoadDefault();
        var settings = new Dictionary<string, string?>(Valid) { ["Redis:ErasureMarkerRetention"] = "3.00:00:00" };
        var errors = OptionsValidator.ValidateAgainstTopics(ConfigurationLoader.Bind(ConfigurationLoader.Build(settings)), catalog);
        Assert.Equal(["Redis:ErasureMarkerRetention must be at least the retention of topic social.mentions (7.00:00:00); was '3.00:00:00'"], errors);
        Assert.Empty(OptionsValidator.ValidateAgainstTopics(ConfigurationLoader.Bind(ConfigurationLoader.Build(Valid)), catalog));
    }

    [Fact]
    public void Cluster_port_0_is_only_for_a_cluster_of_one()
    {
        var error = Invalid(("Cluster:Port", "0"), ("Cluster:SeedNodes", "node-a:4053"));
        Assert.Contains("Cluster:Port may be 0 only for a cluster of one", error.Message, StringComparison.Ordinal);
        Assert.Contains("was '0'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_port_must_differ_from_the_cluster_port()
    {
        var error = Invalid(("Cluster:Port", "4053"), ("Metrics:Port", "4053"));
        Assert.Contains("Metrics:Port must differ from Cluster:Port (4053); was '4053'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var error = Invalid(("Kafka:CommitBatchSize", "0"), ("Pipeline:Parallelism", "0"));
        Assert.Equal(2, error.Errors.Count);
    }

    [Fact]
    public void A_Kafka_property_the_processor_leaves_alone_is_accepted_and_its_value_never_printed()
    {
        var configuration = ConfigurationLoader.Build(new Dictionary<string, string?>(Valid)
        {
            ["Kafka:Properties:sasl.password"] = "hunter2",
            ["Kafka:Properties:security.protocol"] = "SASL_SSL",
        });
        Assert.Equal("hunter2", ConfigurationLoader.Bind(configuration).Kafka.Properties["sasl.password"]);
        var error = Invalid(("Kafka:Properties:sasl.password", "hunter2"), ("Kafka:Properties:acks", "0"));
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("password=s3cret")]
    [InlineData("localhost:6379,password=s3cret,connectTimeout=soon")]
    public void A_bad_Redis_configuration_is_named_with_its_password_masked(string value)
    {
        var error = Invalid(("Redis:Configuration", value));
        Assert.Contains("Redis:Configuration", error.Message, StringComparison.Ordinal);
        Assert.Contains("password=***", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Rules:Sentiment:PositiveThreshold", "2")]
    [InlineData("Rules:Sentiment:NegativeThreshold", "1")]
    [InlineData("Rules:Sentiment:NonEnglishMinCoverage", "2")]
    [InlineData("Rules:Sentiment:ComplaintCompound", "1")]
    [InlineData("Rules:Sentiment:PraiseCompound", "2")]
    [InlineData("Rules:Engagement:HalfLifeHours", "0")]
    [InlineData("Rules:Engagement:HighEngagementScore", "0")]
    [InlineData("Rules:Engagement:FastSentimentAlpha", "0")]
    [InlineData("Rules:Engagement:SlowSentimentAlpha", "0")]
    [InlineData("Rules:Engagement:WindowDays", "0")]
    [InlineData("Rules:Crisis:InfluencerFollowers", "0")]
    [InlineData("Rules:Crisis:InfluencerCompound", "1")]
    [InlineData("Rules:Crisis:InfluencerSeverity", "11")]
    [InlineData("Rules:Crisis:ViralSharesPerMinute", "0")]
    [InlineData("Rules:Crisis:ViralMinShares", "0")]
    [InlineData("Rules:Crisis:ViralCompound", "1")]
    [InlineData("Rules:Crisis:ViralSeverity", "11")]
    [InlineData("Rules:Crisis:CooldownMinutes", "-1")]
    [InlineData("Rules:BrandMonitor:BaselineAlpha", "0")]
    [InlineData("Rules:BrandMonitor:MinBaselineBuckets", "-1")]
    [InlineData("Rules:BrandMonitor:AllowedLatenessMinutes", "61")]
    [InlineData("Rules:BrandMonitor:VolumeZThreshold", "0")]
    [InlineData("Rules:BrandMonitor:VolumeMinNegative", "0")]
    [InlineData("Rules:BrandMonitor:VolumeMinRatio", "1001")]
    [InlineData("Rules:BrandMonitor:VolumeSeverity", "11")]
    [InlineData("Rules:BrandMonitor:ShiftZThreshold", "0")]
    [InlineData("Rules:BrandMonitor:ShiftMinTotal", "0")]
    [InlineData("Rules:BrandMonitor:ShiftMinNegativeShare", "2")]
    [InlineData("Rules:BrandMonitor:ShiftSeverity", "11")]
    [InlineData("Rules:BrandMonitor:CooldownMinutes", "-1")]
    [InlineData("Rules:BrandMonitor:MaxSamples", "21")]
    [InlineData("Rules:Retention:RiskThreshold", "2")]
    [InlineData("Rules:Retention:ComplaintWeight", "2")]
    [InlineData("Rules:Retention:RepeatedComplaints", "0")]
    [InlineData("Rules:Retention:CancelWeight", "2")]
    [InlineData("Rules:Retention:CompetitorWeight", "2")]
    [InlineData("Rules:Retention:FallingSentimentWeight", "2")]
    [InlineData("Rules:Retention:FallingSentimentDrop", "3")]
    [InlineData("Rules:Retention:CooldownDays", "-1")]
    [InlineData("Rules:Acquisition:HighReachFollowers", "-1")]
    [InlineData("Rules:Acquisition:CooldownDays", "-1")]
    [InlineData("Rules:Advocacy:MinPositiveStreak", "0")]
    [InlineData("Rules:Advocacy:MinSentiment", "2")]
    [InlineData("Rules:Advocacy:MinFollowers", "-1")]
    [InlineData("Rules:Advocacy:CooldownDays", "-1")]
    [InlineData("Rules:Termination:AbusiveCompound", "1")]
    [InlineData("Rules:Termination:AbusiveCount", "9")]
    [InlineData("Rules:Termination:CostlyComplaints", "9")]
    [InlineData("Rules:Termination:LowValueClv", "-1")]
    [InlineData("Rules:Termination:CooldownDays", "-1")]
    public void An_invalid_rule_is_named_with_its_value(string setting, string value)
    {
        var error = Invalid((setting, value));
        Assert.Contains(setting + " must", error.Message, StringComparison.Ordinal);
        Assert.Contains("was " + value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Rules:Competitors:0", " ", "must be a non-empty competitor name")]
    [InlineData("Rules:Brands:Acme Corp:InfluencerFollowers", "10", "must be a brand name matching [a-z0-9_-]{1,64}, was 'Acme Corp'")]
    [InlineData("Rules:Brands:acme:InfluencerFollowers", "0", "Rules:Brands:acme:InfluencerFollowers must be > 0, was 0")]
    [InlineData("Rules:Brands:acme:InfluencerCompound", "0.5", "Rules:Brands:acme:InfluencerCompound must be within -1..0, was 0.5")]
    [InlineData("Rules:Brands:acme:VolumeZThreshold", "0", "Rules:Brands:acme:VolumeZThreshold must be > 0, was 0")]
    [InlineData("Rules:Brands:acme:VolumeMinNegative", "0", "Rules:Brands:acme:VolumeMinNegative must be > 0, was 0")]
    [InlineData("Rules:Brands:acme:RetentionRiskThreshold", "0", "Rules:Brands:acme:RetentionRiskThreshold must be within 0.01..1, was 0")]
    [InlineData("Rules:Brands:acme:Competitors:0", " ", "Rules:Brands:acme:Competitors:0 must be a non-empty competitor name")]
    [InlineData("Rules:Crisis:InfluencerFollower", "5000", "Rules:Crisis:InfluencerFollower is not a setting (env SOCIALCRM__Rules__Crisis__InfluencerFollower); did you mean Rules:Crisis:InfluencerFollowers?")]
    [InlineData("Rules:Crisiss:CooldownMinutes", "10", "Rules:Crisiss is not a setting (env SOCIALCRM__Rules__Crisiss); did you mean Rules:Crisis?")]
    [InlineData("Rules:Brands:acme:InfluencerFollower", "5000", "Rules:Brands:acme:InfluencerFollower is not a setting (env SOCIALCRM__Rules__Brands__acme__InfluencerFollower); did you mean Rules:Brands:acme:InfluencerFollowers?")]
    public void Rule_lists_and_brand_overrides_are_validated(string setting, string value, string message)
    {
        var error = Invalid((setting, value));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
