namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// One ask at a time per entity, in the order the stream hands records over. An entity skips records below
/// its per-partition watermark, so a record must never overtake an earlier one of the same entity: an ask
/// that sharding drops during a shard hand-off and repeats after its timeout would otherwise arrive after
/// a later record and be skipped as already applied. Different entities still run in parallel.
/// </summary>
public sealed class EntitySequencer
{
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Runs <paramref name="ask"/> once every earlier call for <paramref name="entityId"/> has finished. Calls must be made in record order.</summary>
    public async Task<T> RunAsync<T>(string entityId, Func<Task<T>> ask)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_gate)
        {
            previous = _tails.GetValueOrDefault(entityId) ?? Task.CompletedTask;
            _tails[entityId] = finished.Task;
        }
        try
        {
            await previous.ConfigureAwait(false);
            return await ask().ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                if (_tails.TryGetValue(entityId, out var tail) && tail == finished.Task)
                {
                    _tails.Remove(entityId);
                }
            }
            finished.SetResult();
        }
    }
}
