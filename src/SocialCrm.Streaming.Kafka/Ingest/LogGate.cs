namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>
/// Whether a log line of kind <paramref name="key"/> is written now, and how many lines of that kind
/// were held back since the last one written. The host supplies its log throttle here (its ShouldLog
/// method has this shape), so the Kafka adapter keeps no throttle of its own.
/// </summary>
public delegate bool LogGate(string key, out long suppressed);

public static class LogGates
{
    /// <summary>A gate that holds nothing back: every line is logged.</summary>
    public static bool EveryLine(string key, out long suppressed)
    {
        suppressed = 0;
        return true;
    }
}
