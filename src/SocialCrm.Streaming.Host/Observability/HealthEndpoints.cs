using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SocialCrm.Streaming.Host.Processing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>
/// <c>/health/live</c>: the process answers. <c>/health/ready</c>: this node is an Up cluster member,
/// it consumes (partitions assigned, or none to take), and Redis answers.
/// </summary>
public static class HealthEndpoints
{
    public static WebApplication MapHealth(this WebApplication app, ActorSystem system, ProcessorService service, IConnectionMultiplexer redis)
    {
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
        app.MapGet("/health/ready", async () =>
        {
            var problems = new List<string>();
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (cluster.SelfMember.Status != Akka.Cluster.MemberStatus.Up)
            {
                problems.Add($"cluster member is {cluster.SelfMember.Status}");
            }
            if (!service.Consumer.IsCompletedSuccessfully)
            {
                problems.Add("not consuming yet");
            }
            try
            {
                await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                problems.Add($"redis: {ex.Message}");
            }
            return problems.Count == 0
                ? Results.Ok(new { status = "ready" })
                : Results.Json(new { status = "not ready", problems }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
