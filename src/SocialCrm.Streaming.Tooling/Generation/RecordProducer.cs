using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace SocialCrm.Streaming.Host.Generation;

/// <summary>Sends generated mentions to a topic at a target rate (0 = as fast as the broker takes them).</summary>
public sealed class RecordProducer(IProducer<byte[]?, byte[]> producer, string topic)
{
    private long _produced;
    private long _failed;

    public long Produced => Interlocked.Read(ref _produced);
    public long Failed => Interlocked.Read(ref _failed);

    public async Task RunAsync(Func<GeneratedRecord> next, double ratePerSecond, long? limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (!cancellationToken.IsCancellationRequested && (limit is null || sent < limit))
        {
            if (ratePerSecond > 0)
            {
                var wait = TimeSpan.FromSeconds(sent / ratePerSecond) - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                    continue;
                }
            }
            Send(next());
            sent++;
        }
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    public void Send(GeneratedRecord record)
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
                return;
            }
            catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The client's queue is full: wait for deliveries instead of dropping.
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
