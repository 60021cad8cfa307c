using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Kafka;

/// <summary>
/// A Kafka client's errors and log lines (librdkafka's), in the host's log: repeated lines rate-limited by the gate,
/// librdkafka's info and debug lines at Debug. A client without it writes librdkafka's lines to stderr, in librdkafka's
/// own format, past the host's log levels and formatter.
/// </summary>
/// <param name="client">What the lines name: consumer, producer.</param>
/// <param name="gate">Rate-limits repeated lines (the host's log throttle); without it every line is logged.</param>
public sealed class KafkaClientLog(ILogger logger, string client, LogGate? gate = null)
{
    private readonly LogGate _gate = gate ?? LogGates.EveryLine;

    public void OnError(Error error)
    {
        if (_gate($"{client}:error:{error.Code}", out var suppressed))
        {
            logger.LogWarning("Kafka {Client} error {Code}: {Reason} ({Suppressed} more since last logged)", client, error.Code, error.Reason, suppressed);
        }
    }

    public void OnLog(LogMessage message)
    {
        var level = ToLogLevel(message);
        if (!logger.IsEnabled(level))
        {
            return;
        }
        if (level == LogLevel.Debug)
        {
            // Detail (librdkafka's info and debug lines) is off unless asked for, and then every line is wanted.
            logger.LogDebug("librdkafka {Facility}: {Message}", message.Facility, message.Message);
        }
        else if (_gate($"{client}:log:{message.Facility}:{message.Level}", out var suppressed))
        {
            logger.Log(level, "librdkafka {Facility}: {Message} ({Suppressed} more since last logged)", message.Facility, message.Message, suppressed);
        }
    }

    private static LogLevel ToLogLevel(LogMessage message) => message switch
    {
        // An offset reset after a fetch error: the broker no longer had the records at the consumer's
        // position (retention overtook it, or the log was truncated), so they were skipped. Lost input, not client noise.
        { Facility: "OFFSET", Level: <= SyslogLevel.Warning } => LogLevel.Warning,
        { Level: SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error } => LogLevel.Warning,
        { Level: SyslogLevel.Warning or SyslogLevel.Notice } => LogLevel.Information,
        _ => LogLevel.Debug,
    };
}
