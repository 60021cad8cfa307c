using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Bench;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// How <c>socialcrm bench</c> follows the two readers of a latency run (the node and the raw loop) through the mentions
/// topic, and deletes from the embedded broker what both have read, so that its log does not grow through the run.
/// </summary>
public sealed class LatencyReadersTests
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(3);

    [Fact]
    public void A_recorder_knows_how_far_its_reader_read_each_partition_warm_up_included()
    {
        var from = DateTimeOffset.UtcNow;
        var recorder = new LatencyRecorder("mentions", partitions: 3, from);

        recorder.Record(Record("mentions", 0, 4, from.AddSeconds(-1)), Latency);
        recorder.Record(Record("mentions", 0, 9, from), Latency);
        // Records are done out of order: one below the highest read does not move it back.
        recorder.Record(Record("mentions", 0, 7, from), Latency);
        recorder.Record(Record("mentions", 2, 0, from.AddSeconds(-1)), Latency);
        recorder.Record(Record("profiles", 1, 50, from), Latency);

        Assert.Equal([10L, 0L, 1L], [recorder.ReadBelow(0), recorder.ReadBelow(1), recorder.ReadBelow(2)]);
        // Only what was appended from the warm-up's end on is measured.
        Assert.Equal(2, recorder.Percentiles().Samples);
    }

    [Fact]
    public async Task The_latency_run_deletes_what_both_readers_have_read_and_nothing_more()
    {
        using var kafka = BenchKafka.Start(TopicCatalog.LoadDefault());
        var topics = kafka.TopicsFor("prune");
        var mentions = new MentionGenerator(new GeneratorOptions());
        await kafka.ProduceAsync(topics, mentions.Next, 1_200, CancellationToken.None);
        using var watermarks = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = $"watermarks-{Guid.NewGuid():N}",
        }).Build();
        WatermarkOffsets Of(int partition) => watermarks.QueryWatermarkOffsets(new TopicPartition(topics.Mentions, partition), TimeSpan.FromSeconds(10));
        Assert.True(Of(0).High.Value >= 30, $"partition 0 holds {Of(0).High.Value} records");

        var from = DateTimeOffset.UtcNow;
        var ahead = new LatencyRecorder(topics.Mentions, topics.MentionPartitions, from);
        var behind = new LatencyRecorder(topics.Mentions, topics.MentionPartitions, from);
        ahead.Record(Record(topics.Mentions, 0, 29, from), Latency);
        behind.Record(Record(topics.Mentions, 0, 19, from), Latency);
        ahead.Record(Record(topics.Mentions, 1, 5, from), Latency);
        using var stop = new CancellationTokenSource();
        var pruning = kafka.PruneReadAsync(topics, [ahead, behind], stop.Token);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Of(0).Low.Value == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await stop.CancelAsync();
        await pruning;

        Assert.Equal(20, Of(0).Low.Value);
        // Read by one of the two only: kept.
        Assert.Equal(0, Of(1).Low.Value);
    }

    private static ConsumedRecord Record(string topic, int partition, long offset, DateTimeOffset appended) =>
        new(topic, new SourcePosition(partition, offset), null, [], null, appended);
}
