using System.Diagnostics.Tracing;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// Every pause of this process for a garbage collection (from the runtime suspending its threads to resuming them),
/// from the runtime's own events: a latency percentile says how long records waited, this says whether the collector
/// made them wait. <see cref="GC.GetTotalPauseDuration"/> gives only the sum.
/// </summary>
public sealed class GcPauses : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly Lock _gate = new();
    private readonly List<(DateTime EndedAt, double Milliseconds)> _pauses = [];
    private DateTime? _suspendedAt;

    /// <summary>The longest pause that ended between the two UTC times, in milliseconds (0: none).</summary>
    public double LongestBetween(DateTime from, DateTime to)
    {
        lock (_gate)
        {
            var longest = 0.0;
            foreach (var (endedAt, milliseconds) in _pauses)
            {
                if (endedAt >= from && endedAt <= to)
                {
                    longest = Math.Max(longest, milliseconds);
                }
            }
            return longest;
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
                break;
            case "GCRestartEEEnd_V1" when _suspendedAt is { } suspendedAt:
                _suspendedAt = null;
                lock (_gate)
                {
                    _pauses.Add((eventData.TimeStamp, (eventData.TimeStamp - suspendedAt).TotalMilliseconds));
                }
                break;
        }
    }
}
