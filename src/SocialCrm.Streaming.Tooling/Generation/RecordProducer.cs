using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace SocialCrm.Streaming.Host.Generation;

/// <summary>
/// Sends generated mentions to a topic at a target rate (0 = as fast as the broker takes them), optionally never more
/// than a bound ahead of their reader. A stop (Ctrl+C, the demo's end) is honoured while the client's queue is full and
/// while flushing, which never end with the broker down.
/// </summary>
public sealed class RecordProducer(IProducer<byte[]?, byte[]> producer, string topic)
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(30);
    /// <summary>How long records queued at a stop still get to be delivered.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan AheadPoll = TimeSpan.FromMilliseconds(5);
    private long _sent;
    private long _produced;
    private long _failed;

    /// <summary>Records handed to the client.</summary>
    public long Sent => Interlocked.Read(ref _sent);
    /// <summary>Records the broker acknowledged.</summary>
    public long Produced => Interlocked.Read(ref _produced);
    /// <summary>Records the client reported as not delivered.</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Records with no report yet: still queued when the flush gave up (a broker that does not answer) or at a stop.</summary>
    public long Unconfirmed => Sent - Produced - Failed;

    /// <param name="ahead">
    /// When given, sending waits while more than <c>MaxAhead</c> records are sent and not yet <c>Done</c> by their reader:
    /// a broker that keeps little (the embedded mock cluster) would otherwise drop records before they are read.
    /// </param>
    public async Task RunAsync(Func<GeneratedRecord> next, double ratePerSecond, long? limit, CancellationToken cancellationToken,
        (Func<long> Done, long MaxAhead)? ahead = null)
    {
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (!cancellationToken.IsCancellationRequested && (limit is null || sent < limit))
        {
            if (ahead is { } reader && sent - reader.Done() > reader.MaxAhead)
            {
                await Task.Delay(AheadPoll, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                continue;
            }
            if (ratePerSecond > 0)
            {
                var wait = TimeSpan.FromSeconds(sent / ratePerSecond) - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                    continue;
                }
            }
            if (!TrySend(next(), cancellationToken))
            {
                break;
            }
            sent++;
            Interlocked.Increment(ref _sent);
        }
        using var deadline = new CancellationTokenSource(FlushTimeout);
        using var stopping = cancellationToken.Register(() => deadline.CancelAfter(StopGrace));
        try
        {
            producer.Flush(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Records still queued have no report: Unconfirmed counts them.
        }
    }

    /// <summary>Queues one record; false when stopped while the client's queue was full.</summary>
    private bool TrySend(GeneratedRecord record, CancellationToken cancellationToken)
    {
        var message = new Message<byte[]?, byte[]>
        {
            Key = record.Key is null ? null : Encoding.UTF8.GetBytes(record.Key),
            Value = record.Value,
        };
        while (true)
        {
            try
            {
                producer.Produce(topic, message, report =>
                {
                    if (report.Error.IsError) Interlocked.Increment(ref _failed);
                    else Interlocked.Increment(ref _produced);
                });
                return true;
            }
            catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The client's queue is full: wait for deliveries instead of dropping.
                if (cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
