using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>
/// The commit bookkeeping of <see cref="KafkaConsumerLoop"/>: counts the records done since the last commit, says when
/// a commit is due (a batch of records done, or the commit interval passed), and commits per partition the offset
/// below which every record is done. Commits run on the consume thread, or after it exited on the closing thread.
/// </summary>
internal sealed class OffsetCommitter
{
    private readonly KafkaIngestOptions _options;
    private readonly IConsumer<byte[]?, byte[]> _consumer;
    private readonly ConcurrentDictionary<TopicPartition, PartitionOffsetTracker> _trackers;
    private readonly ILogger _logger;
    private readonly LogGate _logGate;
    private readonly Stopwatch _sinceCommit = Stopwatch.StartNew();
    private volatile bool _abandoned;
    private long _doneSinceCommit;
    /// <summary>After a failed commit (a rebalance in progress, a coordinator moving) the next try waits for the commit interval, not the next record.</summary>
    private bool _lastCommitFailed;
    private long _committedRecords;

    public OffsetCommitter(KafkaIngestOptions options, IConsumer<byte[]?, byte[]> consumer,
        ConcurrentDictionary<TopicPartition, PartitionOffsetTracker> trackers, ILogger logger, LogGate logGate)
    {
        _options = options;
        _consumer = consumer;
        _trackers = trackers;
        _logger = logger;
        _logGate = logGate;
    }

    public long CommittedRecords => Interlocked.Read(ref _committedRecords);

    public bool LastCommitFailed => _lastCommitFailed;

    /// <summary>True once the loop is abandoned (stopped as a crash would): nothing is committed from then on.</summary>
    public bool Abandoned => _abandoned;

    public bool IsDue => (!_lastCommitFailed && Interlocked.Read(ref _doneSinceCommit) >= _options.CommitBatchSize) || _sinceCommit.Elapsed >= _options.CommitInterval;

    public void Abandon() => _abandoned = true;

    /// <summary>Counts a record done (any thread): a batch of them makes a commit due.</summary>
    public void RecordDone() => Interlocked.Increment(ref _doneSinceCommit);

    /// <summary>Commits what is done in every tracked partition, or in <paramref name="only"/> those; a failed commit is retried later.</summary>
    public void CommitDone(IReadOnlyCollection<TopicPartition>? only = null)
    {
        _sinceCommit.Restart();
        var done = Interlocked.Exchange(ref _doneSinceCommit, 0);
        if (_abandoned)
        {
            return;
        }
        var offsets = new List<TopicPartitionOffset>();
        foreach (var (partition, tracker) in _trackers)
        {
            if ((only is null || only.Contains(partition)) && tracker.TryTakeCommit(out var next))
            {
                // An explicit offset without leader epoch: a committed epoch is rejected after a leader move.
                offsets.Add(new TopicPartitionOffset(partition, next));
            }
        }
        if (offsets.Count == 0)
        {
            return;
        }
        try
        {
            _consumer.Commit(offsets);
            _lastCommitFailed = false;
            Interlocked.Add(ref _committedRecords, done);
        }
        catch (KafkaException ex)
        {
            _lastCommitFailed = true;
            if (_logGate("commit:" + ex.Error.Code, out var suppressed))
            {
                _logger.LogWarning("Commit of {Count} partitions failed ({Reason}); retried after the commit interval ({Suppressed} similar since last logged)",
                    offsets.Count, ex.Error.Reason, suppressed);
            }
            foreach (var offset in offsets)
            {
                _trackers.GetValueOrDefault(offset.TopicPartition)?.CommitFailed(offset.Offset.Value);
            }
            Interlocked.Add(ref _doneSinceCommit, done);
        }
    }
}
