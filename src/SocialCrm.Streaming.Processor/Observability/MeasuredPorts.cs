using System.Diagnostics;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>Times every Redis write and counts failed operations; the entities retry them as before.</summary>
public sealed class MeasuredCustomerStore(ICustomerStore inner, ProcessorMetrics metrics) : ICustomerStore
{
    // Each operation passes its arguments as state to a static lambda: no closure per call on the flush path.
    public Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken) =>
        CountFailuresAsync(RedisOperations.Load, (inner, id, cancellationToken), static s => s.inner.LoadAsync(s.id, s.cancellationToken));

    public void Write(CustomerWrite write, IWriteOutcome outcome) => inner.Write(write, new TimedWrite(outcome, metrics, Stopwatch.GetTimestamp()));

    public Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.Signals, (inner, signals, cancellationToken), static s => Done(s.inner.WriteSignalsAsync(s.signals, s.cancellationToken)));

    public Task ForgetAsync(Erasure erasure, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.Forget, (inner, erasure, cancellationToken), static s => Done(s.inner.ForgetAsync(s.erasure, s.cancellationToken)));

    public Task<byte[]?> LoadBrandMonitorAsync(string brand, CancellationToken cancellationToken) =>
        CountFailuresAsync(RedisOperations.BrandMonitor, (inner, brand, cancellationToken), static s => s.inner.LoadBrandMonitorAsync(s.brand, s.cancellationToken));

    public Task SaveBrandMonitorAsync(string brand, byte[] state, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.BrandMonitor, (inner, brand, state, cancellationToken),
            static s => Done(s.inner.SaveBrandMonitorAsync(s.brand, s.state, s.cancellationToken)));

    private static async Task<bool> Done(Task write)
    {
        await write.ConfigureAwait(false);
        return true;
    }

    /// <summary>Reads are counted when they fail, not timed: the write histogram is about flush cost.</summary>
    private async Task<T> CountFailuresAsync<TState, T>(string operation, TState state, Func<TState, Task<T>> read)
    {
        try
        {
            return await read(state).ConfigureAwait(false);
        }
        catch
        {
            metrics.RedisFailed(operation);
            throw;
        }
    }

    /// <summary>A flush, timed until its outcome and counted when it fails: one small object per flush (the hot path).</summary>
    private sealed class TimedWrite(IWriteOutcome outcome, ProcessorMetrics metrics, long started) : IWriteOutcome
    {
        public void Applied()
        {
            Record();
            outcome.Applied();
        }

        public void Stale()
        {
            Record();
            outcome.Stale();
        }

        public void Failed(Exception cause)
        {
            metrics.RedisFailed(RedisOperations.Customer);
            Record();
            outcome.Failed(cause);
        }

        private void Record() => metrics.RedisWrite(RedisOperations.Customer, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Counted when it fails, and timed.</summary>
    private async Task<T> MeasureAsync<TState, T>(string operation, TState state, Func<TState, Task<T>> write)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await write(state).ConfigureAwait(false);
        }
        catch
        {
            metrics.RedisFailed(operation);
            throw;
        }
        finally
        {
            metrics.RedisWrite(operation, Stopwatch.GetElapsedTime(started));
        }
    }
}

/// <summary>Counts the signals Kafka did not accept, by topic; the entities retry the write as before.</summary>
public sealed class MeasuredSignalPublisher(ISignalPublisher inner, ProcessorMetrics metrics) : ISignalPublisher
{
    public async Task PublishAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken)
    {
        var publishing = inner.PublishAsync(signals, cancellationToken);
        try
        {
            await publishing.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            foreach (var failure in publishing.Exception?.InnerExceptions ?? [ex])
            {
                metrics.ProduceFailed(failure is ProduceException<byte[]?, byte[]> { DeliveryResult.Topic: { } topic } ? topic : "unknown");
            }
            throw;
        }
    }
}
