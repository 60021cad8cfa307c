using System.Diagnostics.Tracing;
using System.Globalization;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// One pause: how long, and the generation its collection collected (null: the runtime suspended the threads for a
/// background collection's own step, which started earlier).
/// </summary>
public readonly record struct GcPause(double Milliseconds, int? Generation)
{
    public static readonly GcPause None = new(0, null);

    /// <summary>The milliseconds with one decimal, and the generation when known: "48.4 (gen1)".</summary>
    public string Describe() => Generation is { } generation
        ? string.Create(CultureInfo.InvariantCulture, $"{Milliseconds:F1} (gen{generation})")
        : Milliseconds.ToString("F1", CultureInfo.InvariantCulture);
}

/// <summary>
/// Every pause of this process for a garbage collection (from the runtime suspending its threads to resuming them),
/// from the runtime's own events: a latency percentile says how long records waited, this says whether the collector
/// made them wait, and which generation's collection did (a gen1 collection copies what survived, so its pauses are
/// the long ones when many objects outlive a few collections). <see cref="GC.GetTotalPauseDuration"/> gives only the sum.
/// </summary>
public sealed class GcPauses : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly Lock _gate = new();
    private readonly List<(DateTime EndedAt, GcPause Pause)> _pauses = [];
    private DateTime? _suspendedAt;
    private int? _generation;

    /// <summary>The longest pause that ended between the two UTC times (<see cref="GcPause.None"/>: none).</summary>
    public GcPause LongestBetween(DateTime from, DateTime to) =>
        Between(from, to).DefaultIfEmpty(GcPause.None).MaxBy(pause => pause.Milliseconds);

    /// <summary>The pauses that ended between the two UTC times, in the order they ended.</summary>
    public IReadOnlyList<GcPause> Between(DateTime from, DateTime to)
    {
        lock (_gate)
        {
            return [.. _pauses.Where(p => p.EndedAt >= from && p.EndedAt <= to).Select(p => p.Pause)];
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        // The events arrive on one thread, in order; the pause is measured with their own timestamps.
        switch (eventData.EventName)
        {
            case "GCSuspendEEBegin_V1":
                _suspendedAt = eventData.TimeStamp;
                _generation = null;
                break;
            case "GCStart_V2" when _suspendedAt is not null && eventData.PayloadNames?.IndexOf("Depth") is >= 0 and var depth:
                _generation = Convert.ToInt32(eventData.Payload![depth], CultureInfo.InvariantCulture);
                break;
            case "GCRestartEEEnd_V1" when _suspendedAt is { } suspendedAt:
                _suspendedAt = null;
                lock (_gate)
                {
                    _pauses.Add((eventData.TimeStamp, new GcPause((eventData.TimeStamp - suspendedAt).TotalMilliseconds, _generation)));
                }
                break;
        }
    }
}
