using System.Globalization;
using Akka.Actor;
using Prometheus;
using SocialCrm.Streaming.Cluster;
using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>
/// The node's Prometheus metrics, in a registry of its own (several nodes may share a process in
/// tests). Names follow the Prometheus conventions: <c>socialcrm_</c> prefix, base units (seconds,
/// records), <c>_total</c> only on counters. Most values are counted where they happen; the
/// consumer's counters, lag and cluster membership are read just before each scrape, as are the
/// .NET runtime's figures (<see cref="RuntimeMetrics"/>). Label values are given as collection expressions, which
/// take prometheus-net's span overload: observing a labelled metric on the record path allocates no array.
/// </summary>
public sealed class ProcessorMetrics : IEntityMetrics
{
    /// <summary>1 ms .. 60 s: a record's path through the node, Kafka append to effects written.</summary>
    public static readonly double[] LatencyBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>As <see cref="LatencyBuckets"/>, plus minutes to a day: event time lags by hours in a replay or a backlog.</summary>
    public static readonly double[] EventLatencyBuckets =
        [.. LatencyBuckets, 300, 900, 3600, 4 * 3600, 24 * 3600];

    /// <summary>Redis writes: 0.1 ms .. 10 s.</summary>
    public static readonly double[] RedisBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

    private readonly Counter _mentionsConsumed;
    private readonly Counter _profilesConsumed;
    private readonly Counter _mentionsProcessed;
    private readonly Gauge _consumerLag;
    private readonly Histogram _processingLatency;
    private readonly Histogram _eventLatency;
    private readonly Histogram.Child _waitingForBatch;
    private readonly Histogram.Child _withCustomers;
    private readonly Counter _alerts;
    private readonly Counter _triggers;
    private readonly Counter _deadLetters;
    private readonly Gauge _inFlight;
    private readonly Gauge _maxInFlight;
    private readonly Counter _committed;
    private readonly Counter _askRetries;
    private readonly Counter _brandReportsResent;
    private readonly Histogram _redisWriteDuration;
    private readonly Counter _redisErrors;
    private readonly Counter _flushCalls;
    private readonly Counter _flushesInCalls;
    private readonly Counter _produceErrors;
    private readonly Gauge _activeEntities;
    private readonly Counter _passivations;
    private readonly Counter _misaligned;
    private readonly Counter _misrouted;
    private readonly Counter _entityFailures;
    private readonly Counter _erasures;
    private readonly Counter _skippedErased;
    private readonly Counter _repeated;
    private readonly Gauge _clusterMembers;
    private readonly Gauge _unreachableMembers;
    private readonly HashSet<(string Topic, string Partition)> _lagSeries = [];

    // The series every record or entity start touches, looked up once: a lookup by label values hashes them each time.
    private readonly Histogram.Child _mentionsLatency;
    private readonly Histogram.Child _profilesLatency;
    private readonly Gauge.Child _activeCustomers;

    /// <summary>socialcrm_mentions_processed_total per partition (applied at 2p, dead-lettered at 2p + 1), made at first use.</summary>
    private readonly Counter.Child?[] _processedByPartition;

    public ProcessorMetrics(ProcessorTopics topics)
    {
        Topics = topics;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        RuntimeMetrics.Register(Registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _mentionsConsumed = factory.CreateCounter("socialcrm_mentions_consumed_total",
            "Records read from the mentions topic by this node, per partition.", "partition");
        _profilesConsumed = factory.CreateCounter("socialcrm_profiles_consumed_total",
            "Records read from the customer-profiles topic by this node, per partition.", "partition");
        _mentionsProcessed = factory.CreateCounter("socialcrm_mentions_processed_total",
            "Mention records done (effects durable or dead-lettered), per partition and outcome (applied, dead_lettered).", "partition", "outcome");
        _consumerLag = factory.CreateGauge("socialcrm_consumer_lag_records",
            "Records in an assigned partition not yet consumed: high watermark minus the consumer's position.", "topic", "partition");
        _processingLatency = factory.CreateHistogram("socialcrm_processing_latency_seconds",
            "Seconds from a record's Kafka append time to its effects being written (Redis and downstream Kafka): when its customer answered, or its dead letter was written.",
            new HistogramConfiguration { Buckets = LatencyBuckets, LabelNames = ["topic"] });
        _eventLatency = factory.CreateHistogram("socialcrm_event_latency_seconds",
            "Seconds from a mention's event time (createdAt) to its effects being written; large during replays and backlogs.",
            new HistogramConfiguration { Buckets = EventLatencyBuckets });
        var stages = factory.CreateHistogram("socialcrm_pipeline_stage_seconds",
            "Seconds each record spent in a stage of the node, per record: waiting_for_batch (Kafka append to its batch starting: " +
            "fetch, the in-flight window, the batch's delay) and with_customers (its batch handed to the customers to all of them " +
            "answering: loads, state, Redis writes, downstream produces). Together about socialcrm_processing_latency_seconds.",
            new HistogramConfiguration { Buckets = LatencyBuckets, LabelNames = ["stage"] });
        _waitingForBatch = stages.WithLabels(["waiting_for_batch"]);
        _withCustomers = stages.WithLabels(["with_customers"]);
        _alerts = factory.CreateCounter("socialcrm_alerts_total",
            "Crisis alerts written (Redis and the alerts topic), by kind and priority.", "kind", "priority");
        _triggers = factory.CreateCounter("socialcrm_triggers_total",
            "Lifecycle triggers written (Redis and the triggers topic), by kind (trigger type) and priority.", "kind", "priority");
        _deadLetters = factory.CreateCounter("socialcrm_dead_letters_total",
            "Records sent to the dead-letter topic, by reason.", "reason");
        _inFlight = factory.CreateGauge("socialcrm_records_in_flight",
            "Records handed to the stream and not yet done.");
        _maxInFlight = factory.CreateGauge("socialcrm_records_in_flight_max",
            "The most records in flight at once since start: bounded by Kafka:MaxInFlightPerPartition times the partitions.");
        _committed = factory.CreateCounter("socialcrm_records_committed_total",
            "Records whose offsets are committed to Kafka.");
        _askRetries = factory.CreateCounter("socialcrm_ask_retries_total",
            "Asks to customer entities retried after Pipeline:AskTimeout.");
        _brandReportsResent = factory.CreateCounter("socialcrm_brand_reports_resent_total",
            "Reports of brand counts sent again to a brand monitor that did not answer within Pipeline:AskTimeout (its node was lost or its shard moving); each is applied once.");
        _redisWriteDuration = factory.CreateHistogram("socialcrm_redis_write_duration_seconds",
            "Seconds per Redis write, by operation (customer: an entity flush, signals: brand alerts, forget: a tombstone, brand_monitor: a brand monitor's saved state); failed writes included.",
            new HistogramConfiguration { Buckets = RedisBuckets, LabelNames = ["operation"] });
        _redisErrors = factory.CreateCounter("socialcrm_redis_errors_total",
            "Redis operations that failed (each is retried), by operation.", "operation");
        _flushCalls = factory.CreateCounter("socialcrm_redis_flush_calls_total",
            "Script calls that wrote customers' flushes: flushes ready together go out in one call per brand.");
        _flushesInCalls = factory.CreateCounter("socialcrm_redis_flushes_total",
            "Customers' flushes those calls carried (divided by socialcrm_redis_flush_calls_total: flushes per call).");
        _produceErrors = factory.CreateCounter("socialcrm_kafka_produce_errors_total",
            "Records Kafka did not accept (the write is retried), by topic.", "topic");
        _activeEntities = factory.CreateGauge("socialcrm_active_entities",
            "Entities alive on this node, by type (customer, brand).", "type");
        _passivations = factory.CreateCounter("socialcrm_entity_passivations_total",
            "Entities stopped by sharding (idle passivation or shard hand-off), by type.", "type");
        _misaligned = factory.CreateCounter("socialcrm_misaligned_records_total",
            "Records consumed from a partition other than the one their entity id hashes to (a producer not partitioning with murmur2); still processed, by topic.", "topic");
        _misrouted = factory.CreateCounter("socialcrm_misrouted_records_total",
            "Records applied by an entity on this node that another node consumed (its shard is not where its partition is read: a remote hop), by entity type.", "type");
        _entityFailures = factory.CreateCounter("socialcrm_entity_failures_total",
            "Entities that gave up after bounded retries (the store refused their data, or something on their path threw) and had their waiting records dead-lettered (entity-failed), by type.", "type");
        _erasures = factory.CreateCounter("socialcrm_erasures_total",
            "Customers and prospects erased (a profile tombstone carried out and announced on the erasures topic).");
        _skippedErased = factory.CreateCounter("socialcrm_erased_mentions_skipped_total",
            "Mentions of an erased customer or prospect skipped as already applied before the erasure (a replay that would otherwise bring them back).");
        _repeated = factory.CreateCounter("socialcrm_repeated_mentions_total",
            "Mentions passed over as delivered again: the platform and id of one of the customer's last 8 mentions, at another offset (a source or producer that resends). Committed, not counted, not dead-lettered.");
        _clusterMembers = factory.CreateGauge("socialcrm_cluster_members",
            "Cluster members as this node sees them, by status.", "status");
        _unreachableMembers = factory.CreateGauge("socialcrm_cluster_unreachable_members",
            "Cluster members this node's failure detector marks unreachable.");

        // Series that exist from the start, so dashboards and alert rules see zeros, not gaps.
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            _deadLetters.WithLabels([reason.ToWire()]);
        }
        foreach (var priority in Enum.GetValues<Priority>())
        {
            foreach (var kind in Enum.GetValues<CrisisKind>())
            {
                _alerts.WithLabels([kind.ToWire(), priority.ToWire()]);
            }
            foreach (var type in Enum.GetValues<TriggerType>())
            {
                _triggers.WithLabels([type.ToWire(), priority.ToWire()]);
            }
        }
        foreach (var operation in new[] { RedisOperations.Customer, RedisOperations.Signals, RedisOperations.Forget, RedisOperations.BrandMonitor })
        {
            _redisWriteDuration.WithLabels([operation]);
        }
        foreach (var operation in new[] { RedisOperations.Load, RedisOperations.Customer, RedisOperations.Signals, RedisOperations.Forget, RedisOperations.BrandMonitor })
        {
            _redisErrors.WithLabels([operation]);
        }
        foreach (var topic in new[] { topics.CrisisAlerts, topics.LifecycleTriggers, topics.DeadLetter })
        {
            _produceErrors.WithLabels([topic]);
        }
        foreach (var type in new[] { CustomerShardingExtensions.TypeName, BrandShardingExtensions.TypeName })
        {
            _activeEntities.WithLabels([type]);
            _passivations.WithLabels([type]);
            _entityFailures.WithLabels([type]);
        }
        _misaligned.WithLabels([topics.Mentions]);
        _misaligned.WithLabels([topics.Profiles]);
        _misrouted.WithLabels([CustomerShardingExtensions.TypeName]);
        _mentionsLatency = _processingLatency.WithLabels([topics.Mentions]);
        _profilesLatency = _processingLatency.WithLabels([topics.Profiles]);
        _activeCustomers = _activeEntities.WithLabels([CustomerShardingExtensions.TypeName]);
        _processedByPartition = new Counter.Child?[2 * Math.Max(0, topics.MentionPartitions)];
        foreach (var status in Enum.GetValues<Akka.Cluster.MemberStatus>())
        {
            _clusterMembers.WithLabels([StatusLabel(status)]);
        }
    }

    public CollectorRegistry Registry { get; }
    public ProcessorTopics Topics { get; }

    /// <summary>Reads the consumer's counters and lag and the cluster's membership just before each scrape.</summary>
    public void Observe(PipelineStats stats, ProcessorService service, ActorSystem system)
    {
        Registry.AddBeforeCollectCallback(() =>
        {
            _askRetries.IncTo(stats.AskRetries);
            _brandReportsResent.IncTo(stats.BrandReportsResent);
            if (service.Consumer.IsCompletedSuccessfully)
            {
                CollectConsumer(service.Consumer.Result);
            }
            CollectCluster(system);
        });
    }

    private void CollectConsumer(KafkaConsumerLoop consumer)
    {
        _inFlight.Set(consumer.InFlight);
        _maxInFlight.Set(consumer.MaxInFlight);
        _committed.IncTo(consumer.CommittedRecords);
        foreach (var (tp, count) in consumer.ConsumedByPartition)
        {
            var counter = tp.Topic == Topics.Mentions ? _mentionsConsumed : tp.Topic == Topics.Profiles ? _profilesConsumed : null;
            counter?.WithLabels([Partition(tp.Partition.Value)]).IncTo(count);
        }
        var lag = consumer.Lag.ToDictionary(p => (p.Key.Topic, Partition(p.Key.Partition.Value)), p => p.Value);
        lock (_lagSeries)
        {
            foreach (var gone in _lagSeries.Where(s => !lag.ContainsKey(s)).ToArray())
            {
                // A partition no longer assigned here: its lag is another node's to report.
                _consumerLag.RemoveLabelled(gone.Topic, gone.Partition);
                _lagSeries.Remove(gone);
            }
            foreach (var ((topic, partition), value) in lag)
            {
                _consumerLag.WithLabels([topic, partition]).Set(value);
                _lagSeries.Add((topic, partition));
            }
        }
    }

    private void CollectCluster(ActorSystem system)
    {
        if (system.WhenTerminated.IsCompleted)
        {
            return;
        }
        var state = Akka.Cluster.Cluster.Get(system).State;
        var byStatus = state.Members.GroupBy(m => m.Status).ToDictionary(g => g.Key, g => g.Count());
        foreach (var status in Enum.GetValues<Akka.Cluster.MemberStatus>())
        {
            _clusterMembers.WithLabels([StatusLabel(status)]).Set(byStatus.GetValueOrDefault(status));
        }
        _unreachableMembers.Set(state.Unreachable.Count);
    }

    // Pipeline ------------------------------------------------------------------------------------

    /// <summary>
    /// Sees every done record with its latency from Kafka append time: for exact percentiles (the benchmark),
    /// which the histogram's buckets cannot give. Called on the stream's thread; unset costs one null check.
    /// </summary>
    public Action<ConsumedRecord, TimeSpan>? LatencyObserver { get; set; }

    /// <summary>A batch starts: how long each of its records waited for it since its Kafka append.</summary>
    public void BatchStarted(IReadOnlyList<ConsumedRecord> records, DateTimeOffset startedAt)
    {
        foreach (var record in records)
        {
            _waitingForBatch.Observe(Seconds(startedAt - record.AppendTime));
        }
    }

    /// <summary>
    /// All customers of a batch of <paramref name="records"/> records answered, <paramref name="elapsed"/> after it was
    /// handed to them; every record of the batch waited that long, those set aside before the customers too.
    /// </summary>
    public void CustomersAnswered(int records, TimeSpan elapsed) => _withCustomers.Observe(Seconds(elapsed), records);

    /// <summary>What the stage histograms hold so far: two readings give the mean of each stage between them.</summary>
    public PipelineStageTotals StageTotals => new(_waitingForBatch.Sum, _waitingForBatch.Count, _withCustomers.Sum, _withCustomers.Count);

    /// <summary>A record is done: its effects were written at <paramref name="writtenAt"/> (or it was dead-lettered then).</summary>
    public void RecordDone(ConsumedRecord record, Mention? applied, bool deadLettered, DateTimeOffset writtenAt)
    {
        var latency = writtenAt - record.AppendTime;
        var isMention = record.Topic == Topics.Mentions;
        (isMention ? _mentionsLatency : record.Topic == Topics.Profiles ? _profilesLatency : _processingLatency.WithLabels([record.Topic]))
            .Observe(Seconds(latency));
        LatencyObserver?.Invoke(record, latency);
        if (!isMention)
        {
            return;
        }
        MentionsProcessed(record.Position.Partition, deadLettered).Inc();
        if (applied is not null)
        {
            _eventLatency.Observe(Seconds(writtenAt - applied.CreatedAt));
        }
    }

    private Counter.Child MentionsProcessed(int partition, bool deadLettered)
    {
        var index = 2 * partition + (deadLettered ? 1 : 0);
        // A partition beyond the count the node started with (the topic grew) is looked up as it comes.
        return (uint)index < (uint)_processedByPartition.Length
            ? _processedByPartition[index] ??= NewMentionsProcessed(partition, deadLettered)
            : NewMentionsProcessed(partition, deadLettered);
    }

    private Counter.Child NewMentionsProcessed(int partition, bool deadLettered) =>
        _mentionsProcessed.WithLabels([Partition(partition), deadLettered ? "dead_lettered" : "applied"]);

    public void DeadLettered(RejectReason reason) => _deadLetters.WithLabels([reason.ToWire()]).Inc();

    public void Misaligned(string topic) => _misaligned.WithLabels([topic]).Inc();

    public void ProduceFailed(string topic, int records = 1) => _produceErrors.WithLabels([topic]).Inc(records);

    // Redis ---------------------------------------------------------------------------------------

    public void RedisWrite(string operation, TimeSpan duration) => _redisWriteDuration.WithLabels([operation]).Observe(duration.TotalSeconds);

    public void RedisFailed(string operation) => _redisErrors.WithLabels([operation]).Inc();

    /// <summary>One script call wrote <paramref name="flushes"/> customers' flushes.</summary>
    public void FlushCallWritten(int flushes)
    {
        _flushCalls.Inc();
        _flushesInCalls.Inc(flushes);
    }

    // Entities (IEntityMetrics) -------------------------------------------------------------------

    /// <summary>Entities of <paramref name="entityType"/> alive on this node now.</summary>
    public long ActiveEntities(string entityType) => (long)_activeEntities.WithLabels([entityType]).Value;

    public void EntityStarted(string entityType) => ActiveEntitiesOf(entityType).Inc();

    public void EntityStopped(string entityType) => ActiveEntitiesOf(entityType).Dec();

    private Gauge.Child ActiveEntitiesOf(string entityType) =>
        entityType == CustomerShardingExtensions.TypeName ? _activeCustomers : _activeEntities.WithLabels([entityType]);

    public void EntityPassivated(string entityType) => _passivations.WithLabels([entityType]).Inc();

    public void AppliedForAnotherNode(string entityType, int records) => _misrouted.WithLabels([entityType]).Inc(records);

    public void EntityFailed(string entityType) => _entityFailures.WithLabels([entityType]).Inc();

    public void Erased() => _erasures.Inc();

    public void MentionsSkippedAsErased(int mentions) => _skippedErased.Inc(mentions);

    public void MentionsRepeated(int mentions) => _repeated.Inc(mentions);

    /// <summary>Mentions passed over as delivered again, so far.</summary>
    public long RepeatedMentions => (long)_repeated.Value;

    /// <summary>Mentions skipped as those of an erased entity, so far.</summary>
    public long ErasedMentionsSkipped => (long)_skippedErased.Value;

    /// <summary>Records this node's customer entities applied for another node's consumer (a remote hop), so far.</summary>
    public long MisroutedCustomerRecords => (long)_misrouted.WithLabels([CustomerShardingExtensions.TypeName]).Value;

    public void SignalsWritten(IReadOnlyList<OutboundSignal> signals)
    {
        foreach (var signal in signals)
        {
            (signal.Stream == SignalStream.CrisisAlerts ? _alerts : _triggers).WithLabels([signal.Kind, signal.Priority]).Inc();
        }
    }

    private static double Seconds(TimeSpan elapsed) => Math.Max(0, elapsed.TotalSeconds);

    private static string Partition(int partition) => partition.ToString(CultureInfo.InvariantCulture);

    private static string StatusLabel(Akka.Cluster.MemberStatus status) => status.ToString().ToLowerInvariant();
}

/// <summary>The <c>operation</c> label values of the Redis metrics.</summary>
public static class RedisOperations
{
    public const string Load = "load";
    public const string Customer = "customer";
    public const string Signals = "signals";
    public const string Forget = "forget";
    public const string BrandMonitor = "brand_monitor";
}
