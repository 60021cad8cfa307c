using System.Diagnostics;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>One measured pass over a topic: records from the first one consumed to the last one done.</summary>
public sealed record ThroughputSample(long Records, TimeSpan Elapsed)
{
    public double PerSecond => Elapsed > TimeSpan.Zero ? Records / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// The limit of this machine for a consumer of the mentions topic: a plain Confluent.Kafka consume loop with
/// the consumer settings of <see cref="KafkaConsumerLoop"/>, building the same <see cref="ConsumedRecord"/> and
/// running the same validation (<see cref="MentionPipeline.Parse"/>) on every record, and nothing else: no
/// state, no Redis, no output topics, no commits.
/// </summary>
public static class BaselineLoop
{
    /// <summary>
    /// Consumes <paramref name="expected"/> records of <paramref name="topic"/> from its start as a new group;
    /// <paramref name="cost"/> runs from the first record to the last; each parsed record's latency since its append
    /// goes to <paramref name="latency"/> when given.
    /// </summary>
    public static ThroughputSample Run(
        string bootstrapServers, string topic, long expected, TimeSpan timeout, CostMeter cost, CancellationToken cancellationToken, LatencyRecorder? latency = null)
    {
        // The processor's own consumer settings, so both read the broker alike; a group of its own.
        var config = KafkaConsumerLoop.ConsumerConfigOf(new KafkaIngestOptions
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"socialcrm-bench-baseline-{Guid.NewGuid():N}",
        });
        config.Set(BenchKafka.FetchWaitProperty, BenchKafka.FetchWaitMs);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        consumer.Subscribe(topic);
        try
        {
            var deadline = Stopwatch.StartNew();
            var clock = new Stopwatch();
            long consumed = 0, valid = 0;
            while (consumed < expected)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (deadline.Elapsed > timeout)
                {
                    throw new TimeoutException($"the baseline consumed {consumed:N0} of the {expected:N0} records of {topic} within {timeout.TotalSeconds:N0} s");
                }
                var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }
                if (!clock.IsRunning)
                {
                    clock.Start();
                    cost.Resume();
                }
                var record = new ConsumedRecord(result.Topic, new SourcePosition(result.Partition.Value, result.Offset.Value),
                    result.Message.Key, result.Message.Value, result.Message.Headers, result.Message.Timestamp.UtcDateTime);
                if (MentionPipeline.Parse(record, PipelineOptions.DefaultMaxEventTimeSkew).IsValid)
                {
                    valid++;
                }
                latency?.Record(record, DateTimeOffset.UtcNow - record.AppendTime);
                consumed++;
            }
            clock.Stop();
            cost.Pause();
            if (valid != expected)
            {
                throw new InvalidOperationException($"the baseline parsed {valid:N0} valid mentions of {expected:N0} records");
            }
            return new ThroughputSample(consumed, clock.Elapsed);
        }
        finally
        {
            consumer.Close();
        }
    }
}
