using Prometheus;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Processing;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>
/// The node's Prometheus metrics, in a registry of its own (several nodes may share a process in
/// tests). Counters the pipeline keeps itself are copied in just before each scrape.
/// </summary>
public sealed class ProcessorMetrics
{
    public ProcessorMetrics(PipelineStats stats, ProcessorService service)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        var consumed = factory.CreateGauge("socialcrm_mentions_consumed_total", "Records read from the mentions topic by this node (a counter, set from the consumer).");
        var processed = factory.CreateGauge("socialcrm_mentions_processed_total", "Mentions whose effects are durable (a counter, set from the pipeline).");
        var deadLettered = factory.CreateGauge("socialcrm_dead_letters_total", "Records sent to the dead-letter topic, by reason (a counter).", "reason");
        var inFlight = factory.CreateGauge("socialcrm_records_in_flight", "Records handed to the stream and not yet done.");
        var committed = factory.CreateGauge("socialcrm_records_committed_total", "Records whose offsets are committed (a counter).");
        Registry.AddBeforeCollectCallback(() =>
        {
            processed.Set(stats.Processed);
            foreach (var reason in Enum.GetValues<RejectReason>())
            {
                deadLettered.WithLabels(reason.ToWire()).Set(stats.DeadLetteredByReason.GetValueOrDefault(reason));
            }
            if (service.Consumer.IsCompletedSuccessfully)
            {
                var consumer = service.Consumer.Result;
                consumed.Set(consumer.Consumed);
                inFlight.Set(consumer.InFlight);
                committed.Set(consumer.CommittedRecords);
            }
        });
    }

    public CollectorRegistry Registry { get; }
}
