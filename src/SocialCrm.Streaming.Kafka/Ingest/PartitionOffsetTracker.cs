namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>
/// The commit point of one partition: the offset below which every record handed out is done.
/// Records may finish out of order; offsets may have gaps (compaction, transaction markers, records
/// the broker deleted before they were read), so contiguity is defined by the records handed out,
/// not by consecutive numbers.
/// </summary>
public sealed class PartitionOffsetTracker
{
    private readonly Queue<long> _pending = new();
    private readonly HashSet<long> _doneAhead = [];
    private long _lastHandedOut = -1;
    private long _endOfLog = -1;
    private long _committable = -1;
    private long _committed = -1;

    /// <summary>Records handed out and not yet done.</summary>
    public int InFlight
    {
        get { lock (_pending) return _pending.Count - _doneAhead.Count; }
    }

    /// <summary>
    /// The next offset the consumer reads: after the last record handed out, or where it last found
    /// the end of the log if that is further; -1 before either.
    /// </summary>
    public long NextOffset
    {
        get
        {
            lock (_pending)
            {
                return _lastHandedOut < 0 && _endOfLog < 0 ? -1 : Math.Max(_lastHandedOut + 1, _endOfLog);
            }
        }
    }

    /// <summary>Registers a record handed to the stream. Offsets must be increasing.</summary>
    public void HandedOut(long offset)
    {
        lock (_pending)
        {
            _pending.Enqueue(offset);
            _lastHandedOut = offset;
        }
    }

    /// <summary>
    /// The consumer reached the end of the log at <paramref name="nextOffset"/>: every offset below it
    /// was handed out or is not in the log. The gap matters at the tail, where no later record moves
    /// the commit past it: a transaction marker, or records the broker deleted before they were read
    /// (retention overtook the consumer, which then reset to the log start). Once everything handed
    /// out is done, that end is the commit point, so the partition is committed up to the log end.
    /// </summary>
    public void ReachedEnd(long nextOffset)
    {
        lock (_pending) _endOfLog = Math.Max(_endOfLog, nextOffset);
    }

    /// <summary>Marks a record done.</summary>
    public void Done(long offset)
    {
        lock (_pending)
        {
            if (_pending.Count == 0 || offset < _pending.Peek())
            {
                // Not handed out by this assignment (a record of an earlier one finishing late): its effects are durable, nothing to track.
                return;
            }
            if (offset != _pending.Peek())
            {
                _doneAhead.Add(offset);
                return;
            }
            _committable = _pending.Dequeue();
            while (_pending.Count > 0 && _doneAhead.Remove(_pending.Peek()))
            {
                _committable = _pending.Dequeue();
            }
        }
    }

    /// <summary>The next offset to commit (last done + 1, or the end of the log once nothing is pending), if it moved since the last commit.</summary>
    public bool TryTakeCommit(out long nextOffset)
    {
        lock (_pending)
        {
            var committable = _pending.Count == 0 ? Math.Max(_committable, _endOfLog - 1) : _committable;
            nextOffset = committable + 1;
            if (committable <= _committed)
            {
                return false;
            }
            _committed = committable;
            return true;
        }
    }

    /// <summary>Undoes <see cref="TryTakeCommit"/> when the commit failed, so the next attempt retries it.</summary>
    public void CommitFailed(long nextOffset)
    {
        lock (_pending)
        {
            if (_committed == nextOffset - 1)
            {
                _committed = -1;
            }
        }
    }
}
