using Akka;
using System.Diagnostics;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
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

    /// <summary>The loop's batches, one record at a time, as the stream of a node would take them.</summary>
    private static Source<ConsumedRecord, NotUsed> RecordsOf(KafkaConsumerLoop loop) =>
        loop.Batches(16, TimeSpan.FromMilliseconds(1)).SelectMany(batch => batch);

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
    public void After_its_bounded_queue_fills_the_client_fetches_again_within_milliseconds_unless_the_operator_tunes_it()
    {
        // librdkafka's own default waits a second, in which a node catching up drains the bounded queue and idles.
        Assert.Equal(10, KafkaConsumerLoop.ConsumerConfigOf(Options("g")).FetchQueueBackoffMs);

        var tuned = Options("g");
        tuned.Properties["fetch.queue.backoff.ms"] = "250";
        Assert.Equal(250, KafkaConsumerLoop.ConsumerConfigOf(tuned).FetchQueueBackoffMs);
    }

    [Fact]
    public async Task Every_record_is_handed_out_once_and_committed_once_done()
    {
        var topic = TopicWith(5_000);
        var group = MockKafkaFixture.UniqueGroup();
        await using var loop = new KafkaConsumerLoop(Options(group), [topic], NullLogger.Instance);
        var seen = new HashSet<(int, long)>();
        loop.Start();
        _ = RecordsOf(loop).RunForeach(record =>
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
        _ = RecordsOf(loop)
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
        _ = RecordsOf(first).RunForeach(record =>
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
        _ = RecordsOf(second).RunForeach(record =>
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

    [Fact]
    public async Task Records_deleted_before_they_were_read_are_skipped_with_a_warning_and_the_partitions_are_committed_to_their_end()
    {
        var topic = TopicWith(400);
        var group = MockKafkaFixture.UniqueGroup();
        await using (var first = new KafkaConsumerLoop(Options(group), [topic], NullLogger.Instance))
        {
            first.Start();
            _ = RecordsOf(first).RunForeach(first.MarkDone, _system.Materializer());
            await WaitUntilCommittedAtLogEnd(topic, group);
        }
        // While the group is away, more records arrive and retention deletes them before anyone reads them.
        kafka.Produce(topic, Enumerable.Range(0, 400).Select(i => ((string?)$"key{i}", BitConverter.GetBytes(i))));
        kafka.DeleteRecordsBefore(topic, kafka.GetHighWatermarks(topic, Partitions));

        var log = new RecordingLogger();
        await using var second = new KafkaConsumerLoop(Options(group), [topic], log);
        second.Start();
        _ = RecordsOf(second).RunForeach(second.MarkDone, _system.Materializer());
        // Nothing is left to hand out, yet every partition is committed to its end rather than stuck where the group left it.
        await WaitUntilCommittedAtLogEnd(topic, group);
        Assert.Equal(0, second.Consumed);
        Assert.Contains(log.Lines, line => line.Level == LogLevel.Warning && line.Message.Contains("offset reset", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        while (second.Lag.Count < Partitions && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100);
        Assert.All(second.Lag.Values, lag => Assert.Equal(0, lag));
    }

    [Fact]
    public async Task Repeated_client_errors_pass_the_log_gate_so_an_outage_does_not_flood_the_log()
    {
        var options = Options(MockKafkaFixture.UniqueGroup());
        // Nothing listens there: the client fails to connect again and again.
        options.BootstrapServers = $"127.0.0.1:{FreePort.Next()}";
        options.Properties["reconnect.backoff.ms"] = "10";
        options.Properties["reconnect.backoff.max.ms"] = "50";
        var asked = new List<string>();
        var log = new RecordingLogger();
        LogGate firstOfEachKind = (string key, out long suppressed) =>
        {
            lock (asked)
            {
                suppressed = asked.Count(k => k == key);
                asked.Add(key);
                return suppressed == 0;
            }
        };
        await using (var loop = new KafkaConsumerLoop(options, ["no-such-topic"], log, logGate: firstOfEachKind))
        {
            loop.Start();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(20) && !HasRepeats(asked)) await Task.Delay(50);
            await loop.AbandonAsync();
        }

        lock (asked)
        {
            Assert.True(HasRepeats(asked), $"expected repeated client errors, the gate saw: {string.Join(", ", asked.Distinct())}");
            // One line per kind of error, however often it happened.
            Assert.Equal(asked.Distinct().Count(), log.Lines.Count);
        }

        static bool HasRepeats(List<string> keys)
        {
            lock (keys) return keys.Count > keys.Distinct().Count();
        }
    }

    private sealed class RecordingLogger : ILogger
    {
        private readonly List<(LogLevel Level, string Message)> _lines = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Lines
        {
            get { lock (_lines) return [.. _lines]; }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add((logLevel, formatter(state, exception)));
        }
    }
}
