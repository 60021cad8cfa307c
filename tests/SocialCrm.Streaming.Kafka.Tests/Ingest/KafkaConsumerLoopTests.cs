using System.Diagnostics;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging.Abstractions;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Kafka.Tests.Ingest;

public sealed class KafkaConsumerLoopTests(MockKafkaFixture kafka) : IClassFixture<MockKafkaFixture>, IDisposable
{
    private const int Partitions = 4;
    private readonly ActorSystem _system = ActorSystem.Create("loop-tests");

    public void Dispose() => _system.Dispose();

    private KafkaIngestOptions Options(string group, int maxInFlight = 2_000) => new()
    {
        BootstrapServers = kafka.BootstrapServers,
        GroupId = group,
        SessionTimeoutMs = 6_000,
        MaxInFlightPerPartition = maxInFlight,
        CommitBatchSize = 100,
        CommitInterval = TimeSpan.FromMilliseconds(100),
    };

    private string TopicWith(int records)
    {
        var topic = kafka.CreateUniqueTopic("loop", Partitions);
        kafka.Produce(topic, Enumerable.Range(0, records).Select(i => ((string?)$"key{i}", BitConverter.GetBytes(i))));
        return topic;
    }

    private async Task WaitUntilCommittedAtLogEnd(string topic, string group)
    {
        var logEnd = kafka.GetHighWatermarks(topic, Partitions);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var committed = kafka.GetCommittedOffsets(group, topic, Partitions);
            if (logEnd.All(p => committed.GetValueOrDefault(p.Key) == p.Value)) return;
            await Task.Delay(100);
        }
        Assert.Fail("offsets were not committed up to the log end in time");
    }

    [Fact]
    public async Task Every_record_is_handed_out_once_and_committed_once_done()
    {
        var topic = TopicWith(5_000);
        var group = MockKafkaFixture.UniqueGroup();
        await using var loop = new KafkaConsumerLoop(Options(group), [topic], NullLogger.Instance);
        var seen = new HashSet<(int, long)>();
        loop.Start();
        _ = loop.Records.RunForeach(record =>
        {
            lock (seen) Assert.True(seen.Add((record.Position.Partition, record.Position.Offset)));
            loop.MarkDone(record);
        }, _system.Materializer());

        await WaitUntilCommittedAtLogEnd(topic, group);
        lock (seen) Assert.Equal(5_000, seen.Count);
        Assert.Equal(5_000, loop.Consumed);
        Assert.Equal(0, loop.InFlight);
    }

    [Fact]
    public async Task A_slow_stream_pauses_partitions_so_in_flight_records_stay_bounded()
    {
        var topic = TopicWith(4_000);
        var group = MockKafkaFixture.UniqueGroup();
        const int cap = 50;
        await using var loop = new KafkaConsumerLoop(Options(group, cap), [topic], NullLogger.Instance);
        loop.Start();
        // Done only after a delay and a few at a time: the stream is far slower than the broker.
        _ = loop.Records
            .SelectAsync(8, async record => { await Task.Delay(1); return record; })
            .RunForeach(record => loop.MarkDone(record), _system.Materializer());

        await WaitUntilCommittedAtLogEnd(topic, group);
        Assert.Equal(4_000, loop.Consumed);
        // The cap holds per partition; a record or two may be in the client's hands as it pauses.
        Assert.InRange(loop.MaxInFlight, 1, Partitions * (cap + 2));
    }

    [Fact]
    public async Task Records_not_done_are_not_committed_and_are_handed_out_again_after_a_restart()
    {
        var topic = TopicWith(1_000);
        var group = MockKafkaFixture.UniqueGroup();
        var first = new KafkaConsumerLoop(Options(group), [topic], NullLogger.Instance);
        var firstRun = 0;
        first.Start();
        _ = first.Records.RunForeach(record =>
        {
            // Only the first half of each partition is ever done.
            if (record.Position.Offset < 125)
            {
                first.MarkDone(record);
            }
            Interlocked.Increment(ref firstRun);
        }, _system.Materializer());
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref firstRun) < 1_000 && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
        await first.AbandonAsync();
        await first.DisposeAsync();

        var committed = kafka.GetCommittedOffsets(group, topic, Partitions);
        Assert.All(committed.Values, offset => Assert.True(offset is null or <= 125));

        await using var second = new KafkaConsumerLoop(Options(group), [topic], NullLogger.Instance);
        var secondRun = new List<long>();
        second.Start();
        _ = second.Records.RunForeach(record =>
        {
            lock (secondRun) secondRun.Add(record.Position.Offset);
            second.MarkDone(record);
        }, _system.Materializer());
        await WaitUntilCommittedAtLogEnd(topic, group);
        lock (secondRun)
        {
            Assert.Contains(999L / Partitions, secondRun);
            Assert.True(secondRun.Count >= 500, $"expected at least the undone half again, got {secondRun.Count}");
        }
    }
}
