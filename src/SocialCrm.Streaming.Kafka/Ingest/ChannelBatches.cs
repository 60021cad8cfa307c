using System.Threading.Channels;
using Akka;
using Akka.Streams.Dsl;
using Akka.Util;

namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>
/// Reads a channel in batches: whatever it holds at once (at most a batch's size), and after the first item at most a
/// batch's delay more for the rest. A full channel makes full batches at once; a quiet one closes each batch when its
/// delay has passed. Akka's <c>GroupedWithin</c> was used before; its timer runs on the scheduler's 10 ms tick, so a
/// 2 ms delay held records about 10 ms at light load (measured: 54 records per batch at 5,000/s).
/// </summary>
public sealed class ChannelBatches<T>
{
    private readonly ChannelReader<T> _reader;
    private readonly int _maxCount;
    private readonly TimeSpan _maxDelay;

    public ChannelBatches(ChannelReader<T> reader, int maxCount, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxDelay, TimeSpan.Zero);
        _reader = reader;
        _maxCount = maxCount;
        _maxDelay = maxDelay;
    }

    /// <summary>The batches as a stream, which completes once the channel is completed and read to its end.</summary>
    public Source<T[], NotUsed> AsSource() =>
        Source.UnfoldAsync(this, static async batches => await batches.NextAsync(CancellationToken.None).ConfigureAwait(false) is { } batch
            ? Option<(ChannelBatches<T>, T[])>.Create((batches, batch))
            : Option<(ChannelBatches<T>, T[])>.None);

    /// <summary>The next batch (never empty), or null once the channel is completed and read to its end.</summary>
    public async Task<T[]?> NextAsync(CancellationToken cancellationToken)
    {
        if (!await _reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var batch = new List<T>();
        CancellationTokenSource? delay = null;
        try
        {
            while (true)
            {
                while (batch.Count < _maxCount && _reader.TryRead(out var item))
                {
                    batch.Add(item);
                }
                if (batch.Count == _maxCount)
                {
                    break;
                }
                if (delay is null)
                {
                    // The delay runs from when the batch started; cancelling the wait for more removes it from the channel.
                    delay = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : new CancellationTokenSource();
                    delay.CancelAfter(_maxDelay);
                }
                if (!await WaitForMoreAsync(delay.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        finally
        {
            delay?.Dispose();
        }
        return [.. batch];
    }

    /// <summary>True when more can be read; false when the delay passed or the channel is completed.</summary>
    private async Task<bool> WaitForMoreAsync(CancellationToken delay)
    {
        try
        {
            return await _reader.WaitToReadAsync(delay).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (delay.IsCancellationRequested)
        {
            return false;
        }
    }
}
