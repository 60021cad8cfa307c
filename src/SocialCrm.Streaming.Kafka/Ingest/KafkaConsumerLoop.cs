using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>
/// The single consume loop of one node: one thread calls Consume (no polling interval, no busy
/// idling), hands records to the stream through <see cref="Batches"/>, pauses a partition when too
/// many of its records are in flight and resumes it once the stream catches up, and commits, in
/// batches, only offsets below which every record is done. All consumer calls but the first
/// Subscribe happen on that thread, so rebalance callbacks never race with Consume or Commit;
/// once it has exited, the final commit and Close run on a thread of their own, bounded in time
/// (librdkafka can block in them for long with the brokers unreachable). A fatal client error
/// ends the loop (<see cref="Failure"/>) instead of a loop that consumes nothing for ever.
/// Several co-partitioned topics can be consumed together: the range assignor gives partition i
/// of each to the same member, so a customer's mentions and profile land on the same node.
/// librdkafka's own error and log lines go through a <see cref="LogGate"/>, so a broker outage
/// does not flood the log.
/// </summary>
public sealed partial class KafkaConsumerLoop : IAsyncDisposable
{
    private static readonly TimeSpan ConsumeTimeout = TimeSpan.FromMilliseconds(50);

    private readonly KafkaIngestOptions _options;
    private readonly IReadOnlyList<string> _topics;
    private readonly ILogger _logger;
    private readonly LogGate _logGate;
    private readonly Action<IReadOnlyList<TopicPartition>>? _onAssignmentChanged;
    private readonly IConsumer<byte[]?, byte[]> _consumer;
    private readonly Channel<ConsumedRecord> _handedOut = Channel.CreateUnbounded<ConsumedRecord>(
        new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
    private readonly ConcurrentDictionary<TopicPartition, PartitionOffsetTracker> _trackers = new();
    private readonly OffsetCommitter _commits;
    private readonly PartitionPauses _pauses;
    private readonly PartitionLag _lag;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _loopExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<TopicPartition, long> _consumedByPartition = new();
    private volatile bool _stopping;
    /// <summary>Set once Close returned: only then may the client be destroyed (a destroy blocks like the close it implies).</summary>
    private volatile bool _closed;
    private volatile bool _started;
    private Exception? _failure;
    /// <summary>When a record was last done, or nothing was waiting (<see cref="Environment.TickCount64"/>).</summary>
    private long _lastProgressTicks = Environment.TickCount64;
    private int _inFlight;
    private int _maxInFlight;
    private long _consumed;

    /// <param name="logGate">Rate-limits the client's repeated error and log lines (the host's log throttle); without it every line is logged.</param>
    public KafkaConsumerLoop(KafkaIngestOptions options, IReadOnlyList<string> topics, ILogger logger,
        Action<IReadOnlyList<TopicPartition>>? onAssignmentChanged = null, LogGate? logGate = null)
    {
        _options = options;
        _topics = topics;
        _logger = logger;
        _logGate = logGate ?? LogGates.EveryLine;
        _onAssignmentChanged = onAssignmentChanged;
        var clientLog = new KafkaClientLog(logger, "consumer", logGate);
        var config = ConsumerConfigOf(options);
        _consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => OnLost(partitions))
            .SetErrorHandler((_, error) => clientLog.OnError(error))
            .SetLogHandler((_, message) => clientLog.OnLog(message))
            .Build();
        _commits = new OffsetCommitter(options, _consumer, _trackers, logger, _logGate);
        _pauses = new PartitionPauses(options, _consumer, _trackers);
        _lag = new PartitionLag(_consumer, _trackers);
        _thread = new Thread(Loop) { IsBackground = true, Name = "kafka-consume" };
    }

    /// <summary>
    /// The records handed to the stream, in batches of at most <paramref name="maxRecords"/> records closed at most
    /// <paramref name="maxDelay"/> after their first record; every record must be passed back to <see cref="MarkDone"/>
    /// once its effects are durable.
    /// </summary>
    public Source<ConsumedRecord[], NotUsed> Batches(int maxRecords, TimeSpan maxDelay) =>
        new ChannelBatches<ConsumedRecord>(_handedOut.Reader, maxRecords, maxDelay).AsSource();

    public IReadOnlyList<TopicPartition> AssignedPartitions => [.. _trackers.Keys.OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition.Value)];
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Completes when the consume thread has exited: after a stop, or when the loop failed (see <see cref="Failure"/>).</summary>
    public Task Exited => _loopExited.Task;

    /// <summary>Why the loop ended by itself (a fatal client error, a bug); null while it runs or after a requested stop.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>True once a stop was asked for (<see cref="StopFetchingAsync"/>, <see cref="AbandonAsync"/>).</summary>
    public bool IsStopping => _stopping;

    /// <summary>
    /// How long since the loop last made progress: a record done, or nothing waiting (none in flight, no lag).
    /// Long while records wait means a stall.
    /// </summary>
    public TimeSpan SinceProgress => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastProgressTicks));
    /// <summary>The most records ever in flight at once: the proof that memory stays bounded.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    public long Consumed => Interlocked.Read(ref _consumed);
    public long CommittedRecords => _commits.CommittedRecords;

    /// <summary>Records consumed per partition since start (monotonic; partitions once owned stay listed).</summary>
    public IReadOnlyDictionary<TopicPartition, long> ConsumedByPartition => _consumedByPartition;

    /// <summary>
    /// Per assigned partition: the high watermark minus the consumer's position, from the client's
    /// cached watermarks (no broker call), refreshed about once a second. Partitions whose watermark
    /// is not known yet are absent.
    /// </summary>
    public IReadOnlyDictionary<TopicPartition, long> Lag => _lag.ByPartition;

    /// <summary>How often <see cref="Lag"/> is refreshed.</summary>
    public static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(1);

    public void Start()
    {
        _consumer.Subscribe(_topics);
        _started = true;
        _thread.Start();
    }

    public void MarkDone(ConsumedRecord record)
    {
        record.Tracker?.Done(record.Position.Offset);
        Interlocked.Decrement(ref _inFlight);
        _commits.RecordDone();
        Interlocked.Exchange(ref _lastProgressTicks, Environment.TickCount64);
    }

    /// <summary>
    /// Graceful stop within <see cref="KafkaIngestOptions.DrainTimeout"/>: no new records, wait for those in flight,
    /// commit, leave the group. False when something was left undone (records still in flight, the commit or the
    /// close not finished in time): the next owner replays from the last commit.
    /// </summary>
    public async Task<bool> StopAsync()
    {
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(_options.DrainTimeout);
        await StopFetchingAsync(deadline.Token).ConfigureAwait(false);
        var drained = await WaitForInFlightAsync(deadline.Token).ConfigureAwait(false);
        return await CloseAsync(_options.DrainTimeout - clock.Elapsed).ConfigureAwait(false) && drained;
    }

    /// <summary>
    /// Takes no new records: the consume thread exits and <see cref="Batches"/> completes once the stream has
    /// what was handed out. Waits for the thread until <paramref name="deadline"/> (it may be stuck in a commit
    /// to an unreachable broker); <see cref="Batches"/> completes either way.
    /// </summary>
    public async Task StopFetchingAsync(CancellationToken deadline)
    {
        _stopping = true;
        if (!_started)
        {
            _loopExited.TrySetResult();
        }
        await Task.WhenAny(_loopExited.Task, Task.Delay(Timeout.Infinite, deadline)).ConfigureAwait(false);
        _handedOut.Writer.TryComplete();
    }

    /// <summary>Waits until every record handed out is done, or <paramref name="deadline"/>. False if some were not.</summary>
    public async Task<bool> WaitForInFlightAsync(CancellationToken deadline)
    {
        while (InFlight > 0)
        {
            if (deadline.IsCancellationRequested)
            {
                _logger.LogWarning("{InFlight} in-flight records were not done by the stop deadline; the next owner replays them", InFlight);
                return false;
            }
            await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// After <see cref="StopFetchingAsync"/>: commits what is done and leaves the group, on a thread of its own,
    /// for at most <paramref name="limit"/> (at least <see cref="MinimumCloseTime"/>, so a drain that used the whole
    /// deadline still gets its commit). librdkafka's commit and close can block for long with the brokers
    /// unreachable; then the client is left to the process's exit. False if not closed cleanly in time.
    /// </summary>
    public async Task<bool> CloseAsync(TimeSpan limit)
    {
        if (!_loopExited.Task.IsCompleted)
        {
            // The consume thread is still inside a client call: using the client from here could race with it.
            _logger.LogWarning("The consume thread did not stop in time; leaving the group without a final commit");
            return false;
        }
        var closing = Task.Factory.StartNew(() =>
        {
            _commits.CommitDone();
            var committed = !_commits.LastCommitFailed;
            _consumer.Close();
            _closed = true;
            return committed;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var wait = limit > MinimumCloseTime ? limit : MinimumCloseTime;
        if (await Task.WhenAny(closing, Task.Delay(wait, CancellationToken.None)).ConfigureAwait(false) != closing)
        {
            _logger.LogWarning("The Kafka consumer did not commit and close within {Limit} (brokers unreachable?); the next owner replays from the last commit", wait);
            return false;
        }
        if (closing.IsFaulted)
        {
            _logger.LogWarning(closing.Exception.GetBaseException(), "The Kafka consumer failed to close; the next owner replays from the last commit");
            return false;
        }
        return closing.Result;
    }

    /// <summary>The least time <see cref="CloseAsync"/> gives the final commit and the group leave, even past the deadline.</summary>
    public static readonly TimeSpan MinimumCloseTime = TimeSpan.FromSeconds(2);

    /// <summary>Stops as a crash would: no drain and no commit. What was not committed is replayed by the next owner.</summary>
    public async Task AbandonAsync()
    {
        _commits.Abandon();
        _stopping = true;
        await _loopExited.Task.ConfigureAwait(false);
        _handedOut.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping)
        {
            await StopAsync().ConfigureAwait(false);
        }
        if (_closed || _commits.Abandoned)
        {
            _consumer.Dispose();
        }
    }

    private void Loop()
    {
        try
        {
            while (!_stopping)
            {
                _pauses.ResumeNewlyAssigned();
                _pauses.ResumeDrainedPartitions();
                if (_commits.IsDue)
                {
                    _commits.CommitDone();
                }
                ConsumeOne();
                if (_lag.IsDue)
                {
                    UpdateLag();
                }
            }
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _failure, ex);
            _logger.LogCritical(ex, "The Kafka consume loop failed");
            _handedOut.Writer.TryComplete(ex);
        }
        finally
        {
            // No more records: the stream completes once those handed out are done.
            _handedOut.Writer.TryComplete();
            _loopExited.TrySetResult();
        }
    }

    private void ConsumeOne()
    {
        ConsumeResult<byte[]?, byte[]>? result;
        try
        {
            result = _consumer.Consume(ConsumeTimeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            // The client retries broker errors itself; a consume error is logged and consumption goes on.
            // A fatal one (e.g. this static member fenced by another with its group.instance.id) ends the loop.
            if (_logGate("consume:" + ex.Error.Code, out var suppressed))
            {
                _logger.LogWarning("Kafka consume error {Code}: {Reason} ({Suppressed} more since last logged)", ex.Error.Code, ex.Error.Reason, suppressed);
            }
            return;
        }
        if (result is null)
        {
            return;
        }
        if (result.IsPartitionEOF)
        {
            _trackers.GetValueOrDefault(result.TopicPartition)?.ReachedEnd(result.Offset.Value);
            return;
        }
        var partition = result.TopicPartition;
        if (!_trackers.TryGetValue(partition, out var tracker))
        {
            return;
        }
        tracker.HandedOut(result.Offset.Value);
        Interlocked.Increment(ref _consumed);
        _consumedByPartition.AddOrUpdate(partition, 1, (_, n) => n + 1);
        var inFlight = Interlocked.Increment(ref _inFlight);
        if (inFlight > _maxInFlight)
        {
            Volatile.Write(ref _maxInFlight, inFlight);
        }
        _handedOut.Writer.TryWrite(new ConsumedRecord(
            result.Topic,
            new SourcePosition(partition.Partition.Value, result.Offset.Value),
            result.Message.Key,
            result.Message.Value,
            result.Message.Headers,
            result.Message.Timestamp.UtcDateTime) { Tracker = tracker });
        _pauses.PauseIfFull(partition, tracker);
    }

    private void UpdateLag()
    {
        _lag.Refresh();
        if (InFlight == 0 && _lag.CaughtUp)
        {
            // Caught up: nothing waits, so a quiet topic is not a stall.
            Interlocked.Exchange(ref _lastProgressTicks, Environment.TickCount64);
        }
    }
}
