using System.Globalization;
using System.Runtime.CompilerServices;

namespace SocialCrm.Streaming.Domain.Engagement;

[InlineArray(Capacity)]
internal struct TicksBuffer
{
    public const int Capacity = Rules.RulesValidator.CustomerWindowCapacity;
    private long _element;
}

/// <summary>
/// The event times (UTC ticks) of the last <see cref="TicksBuffer.Capacity"/> occurrences of something,
/// inline in the owning object (no allocation): a sliding-window counter that caps at the capacity.
/// </summary>
internal struct TimeWindow
{
    private TicksBuffer _ticks;
    private byte _count;
    private byte _next;

    public void Add(long ticks)
    {
        _ticks[_next] = ticks;
        _next = (byte)((_next + 1) % TicksBuffer.Capacity);
        if (_count < TicksBuffer.Capacity) _count++;
    }

    /// <summary>Occurrences with event time in (now - window, now].</summary>
    public readonly int CountSince(long fromExclusive, long toInclusive)
    {
        var n = 0;
        for (var i = 0; i < _count; i++)
        {
            var t = _ticks[i];
            if (t > fromExclusive && t <= toInclusive) n++;
        }
        return n;
    }

    public void Clear() => this = default;

    /// <summary>Oldest first, comma-separated ticks; empty when nothing was recorded.</summary>
    public readonly string Serialize()
    {
        if (_count == 0) return "";
        Span<char> text = stackalloc char[TicksBuffer.Capacity * 21]; // 20 digits of a long and a comma each
        var length = 0;
        var start = _count < TicksBuffer.Capacity ? 0 : _next;
        for (var i = 0; i < _count; i++)
        {
            if (i > 0) text[length++] = ',';
            _ticks[(start + i) % TicksBuffer.Capacity].TryFormat(text[length..], out var written, provider: CultureInfo.InvariantCulture);
            length += written;
        }
        return new string(text[..length]);
    }

    public static TimeWindow Parse(string? value)
    {
        var window = new TimeWindow();
        if (string.IsNullOrEmpty(value)) return window;
        foreach (var part in value.Split(','))
        {
            window.Add(long.Parse(part, NumberStyles.Integer, CultureInfo.InvariantCulture));
        }
        return window;
    }
}
