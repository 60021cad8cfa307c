namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// How far a stream's event time has got, following the bulk of its records rather than its outliers: the
/// <see cref="Quorum"/>-th largest of the last <see cref="Window"/> event times (minutes or ticks), never going back.
/// Fewer than <see cref="Quorum"/> records far ahead of the others cannot move it; it begins once
/// 2 x quorum - 1 records were seen (their median, so a few far behind cannot start it in the past either).
/// Pure and deterministic; the state is the window itself (<see cref="Recent"/>, <see cref="Restore"/>).
/// </summary>
public sealed class RobustWatermark
{
    private readonly long[] _recent;
    private int _count;
    private int _next;

    public RobustWatermark(int quorum, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quorum, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2 * quorum - 1);
        Quorum = quorum;
        _recent = new long[window];
    }

    public int Quorum { get; }
    public int Window => _recent.Length;

    /// <summary><see cref="long.MinValue"/> until enough records were seen.</summary>
    public long Current { get; private set; } = long.MinValue;

    public bool IsEstablished => Current != long.MinValue;

    /// <summary>The window, oldest first: what a saved state keeps.</summary>
    public IEnumerable<long> Recent => Enumerable.Range(0, _count).Select(i => _recent[(_next - _count + i + Window) % Window]);

    public void Observe(long value)
    {
        _recent[_next] = value;
        _next = (_next + 1) % Window;
        _count = Math.Min(_count + 1, Window);
        if (_count >= 2 * Quorum - 1)
        {
            Current = Math.Max(Current, QuorumLargest());
        }
    }

    /// <summary>Continues from a saved state: its window and its watermark.</summary>
    public void Restore(IEnumerable<long> recent, long current)
    {
        _count = _next = 0;
        foreach (var value in recent.TakeLast(Window))
        {
            _recent[_next] = value;
            _next = (_next + 1) % Window;
            _count++;
        }
        _next %= Window;
        Current = current;
    }

    /// <summary>The quorum-th largest value in the window: at least <see cref="Quorum"/> records reached it.</summary>
    private long QuorumLargest()
    {
        Span<long> sorted = stackalloc long[_count];
        _recent.AsSpan(0, _count).CopyTo(sorted);
        sorted.Sort();
        return sorted[_count - Quorum];
    }
}
