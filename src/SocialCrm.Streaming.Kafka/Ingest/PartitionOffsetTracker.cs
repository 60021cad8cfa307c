namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>
/// The commit point of one partition: the offset below which every record handed out is done.
/// Records may finish out of order; offsets may have gaps (compaction, transaction markers), so
/// contiguity is defined by the records handed out, not by consecutive numbers.
/// </summary>
public sealed class PartitionOffsetTracker
{
    private readonly Queue<long> _pending = new();
    private readonly HashSet<long> _doneAhead = [];
    private long _committable = -1;
    private long _committed = -1;

    /// <summary>The last offset handed to the stream, -1 before the first; written and read by the consume loop only.</summary>
    public long LastHandedOut { get; set; } = -1;

    /// <summary>Records handed out and not yet done.</summary>
    public int InFlight
    {
        get { lock (_pending) return _pending.Count - _doneAhead.Count; }
    }

    /// <summary>Registers a record handed to the stream. Offsets must be increasing.</summary>
    public void HandedOut(long offset)
    {
        lock (_pending) _pending.Enqueue(offset);
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

    /// <summary>The next offset to commit (last done + 1), if it moved since the last commit.</summary>
    public bool TryTakeCommit(out long nextOffset)
    {
        lock (_pending)
        {
            nextOffset = _committable + 1;
            if (_committable <= _committed)
            {
                return false;
            }
            _committed = _committable;
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
