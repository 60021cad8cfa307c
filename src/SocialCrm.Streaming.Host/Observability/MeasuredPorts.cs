using System.Diagnostics;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>Times every Redis write and counts failed operations; the entities retry them as before.</summary>
public sealed class MeasuredCustomerStore(ICustomerStore inner, ProcessorMetrics metrics) : ICustomerStore
{
    public async Task<StoredCustomer?> LoadAsync(EntityId id, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.LoadAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            metrics.RedisFailed(RedisOperations.Load);
            throw;
        }
    }

    public async Task<bool> WriteAsync(CustomerWrite write, CancellationToken cancellationToken)
    {
        var applied = false;
        await MeasureAsync(RedisOperations.Customer, async () => applied = await inner.WriteAsync(write, cancellationToken).ConfigureAwait(false))
            .ConfigureAwait(false);
        return applied;
    }

    public Task WriteSignalsAsync(IReadOnlyList<OutboundSignal> signals, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.Signals, () => inner.WriteSignalsAsync(signals, cancellationToken));

    public Task ForgetAsync(EntityId id, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.Forget, () => inner.ForgetAsync(id, cancellationToken));

    public async Task<byte[]?> LoadBrandMonitorAsync(string brand, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.LoadBrandMonitorAsync(brand, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            metrics.RedisFailed(RedisOperations.BrandMonitor);
            throw;
        }
    }

    public Task SaveBrandMonitorAsync(string brand, byte[] state, CancellationToken cancellationToken) =>
        MeasureAsync(RedisOperations.BrandMonitor, () => inner.SaveBrandMonitorAsync(brand, state, cancellationToken));

    private async Task MeasureAsync(string operation, Func<Task> write)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await write().ConfigureAwait(false);
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
