using System.Diagnostics;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>Times every Redis write and counts failed operations; the entities retry them as before.</summary>
public sealed class MeasuredCustomerStore(ICustomerStore inner, ProcessorMetrics metrics) : ICustomerStore
{
    public Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken) =>
        CountFailuresAsync(RedisOperations.Load, () => inner.LoadAsync(id, cancellationToken));

    public Task<bool> WriteAsync(CustomerWrite write, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.Customer, () => inner.WriteAsync(write, cancellationToken));

    public Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.Signals, () => Done(inner.WriteSignalsAsync(signals, cancellationToken)));

    public Task ForgetAsync(Erasure erasure, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.Forget, () => Done(inner.ForgetAsync(erasure, cancellationToken)));

    public Task<byte[]?> LoadBrandMonitorAsync(string brand, CancellationToken cancellationToken) =>
        CountFailuresAsync(RedisOperations.BrandMonitor, () => inner.LoadBrandMonitorAsync(brand, cancellationToken));

    public Task SaveBrandMonitorAsync(string brand, byte[] state, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.BrandMonitor, () => Done(inner.SaveBrandMonitorAsync(brand, state, cancellationToken)));

    private static async Task<bool> Done(Task write)
    {
        await write.ConfigureAwait(false);
        return true;
    }

    /// <summary>Reads are counted when they fail, not timed: the write histogram is about flush cost.</summary>
    private async Task<T> CountFailuresAsync<T>(string operation, Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch
        {
            metrics.RedisFailed(operation);
            throw;
        }
    }

    private async Task<T> MeasureAsync<T>(string operation, Func<Task<T>> write)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await CountFailuresAsync(operation, write).ConfigureAwait(false);
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
