using System.Globalization;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Replay;

/// <summary>
/// A replay's "now" is its stream's own time. A record is out of range when it lies more than the allowed skew
/// beyond the time the bulk of the stream reached (a <see cref="RobustWatermark"/> of the accepted records) and
/// the stream does not follow it: fewer than <see cref="Quorum"/> of the next <see cref="Lookahead"/> records come
/// within the skew of it. So a far-future record is reported, while a history with a gap (a backfill of last year,
/// then this year) keeps every record. Records come out in their input order, at most <see cref="Lookahead"/> later.
/// </summary>
public sealed class ReplayEventTimeGate<T>(TimeSpan maxSkew)
{
    public const int Quorum = 3;
    public const int Lookahead = 64;

    private readonly RobustWatermark _reached = new(Quorum, Lookahead);
    private readonly Queue<(T Item, long Ticks)> _pending = new();

    /// <summary>The time the bulk of the accepted records reached (UTC ticks), <see cref="long.MinValue"/> before there is a bulk.</summary>
    public RobustWatermark Reached => _reached;

    /// <summary>Takes the next record; hands on, in order, the records now judged (a rejection for those out of range).</summary>
    public void Add(T item, DateTimeOffset eventTime, ICollection<(T Item, Rejection? Rejection)> judged)
    {
        _pending.Enqueue((item, eventTime.UtcTicks));
        if (_pending.Count > Lookahead)
        {
            JudgeNext(judged);
        }
    }

    /// <summary>End of input (or of a part whose state is carried over): judges what is left without the records that would follow.</summary>
    public void Complete(ICollection<(T Item, Rejection? Rejection)> judged)
    {
        while (_pending.Count > 0)
        {
            JudgeNext(judged);
        }
    }

    private void JudgeNext(ICollection<(T Item, Rejection? Rejection)> judged)
    {
        var (item, ticks) = _pending.Dequeue();
        var rejection = IsAhead(ticks) && !IsFollowed(ticks) ? OutOfRange(ticks) : null;
        if (rejection is null)
        {
            _reached.Observe(ticks);
        }
        judged.Add((item, rejection));
    }

    private bool IsAhead(long ticks) => _reached.IsEstablished ? ticks - _reached.Current > maxSkew.Ticks : _pending.Count >= Quorum;

    private bool IsFollowed(long ticks)
    {
        var followers = 0;
        foreach (var (_, next) in _pending)
        {
            if (next >= ticks - maxSkew.Ticks && ++followers >= Quorum)
            {
                return true;
            }
        }
        return false;
    }

    private Rejection OutOfRange(long ticks) => new(RejectReason.EventTimeOutOfRange, _reached.IsEstablished
        ? string.Create(CultureInfo.InvariantCulture, $"createdAt is {TimeSpan.FromTicks(ticks - _reached.Current).TotalSeconds:0} s ahead of the stream's time, more than the allowed skew of {maxSkew.TotalSeconds:0} s, and the stream does not follow it")
        : "createdAt is ahead of the records that follow it by more than the allowed skew");
}
