using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Redis.Connection;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>
/// Warns at start-up when Redis may evict this processor's keys (<see cref="RedisEviction"/>): its memory settings
/// are the server's, not a setting of ours, so they cannot stop start-up, but an operator must hear of them. Runs in
/// the background: a Redis that is down or answers slowly delays nothing.
/// </summary>
public sealed class RedisEvictionWarning(RedisConnectionSettings settings, ILogger<RedisEvictionWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = WarnAsync();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WarnAsync()
    {
        try
        {
            foreach (var server in await RedisEviction.EvictingPrimariesAsync(settings).ConfigureAwait(false))
            {
                logger.LogWarning("Redis {Server}: when full it drops keys without an error, and customer state, partition fences and alert ids "
                    + "with them (every key written here has a TTL). Set maxmemory-policy noeviction: a full Redis then refuses writes and processing waits", server);
            }
        }
        catch (Exception ex)
        {
            // The client's own text for a server that is down advises its developer to set abortConnect=false: not a step for an operator.
            var reason = ex is StackExchange.Redis.RedisConnectionException ? "no Redis server answered" : ex.GetBaseException().Message;
            logger.LogInformation("Could not read Redis's eviction policy ({Reason}); run it with maxmemory-policy noeviction", reason);
        }
    }
}
