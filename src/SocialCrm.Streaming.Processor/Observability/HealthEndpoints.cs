using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>
/// What this node says about itself. Problems are fixed names (never a dependency's error text: it may carry hosts,
/// keys or payload). <c>/health/live</c> fails when restarting the process is the cure: the actor system, the stream
/// or the consume loop is dead. <c>/health/ready</c> fails, in addition, while the node cannot do its work: not an Up
/// member, not consuming, no partitions though there are enough for every member, records waiting with nothing done
/// for longer than <c>Health:StallTimeout</c>, Redis not answering, or stopping.
/// </summary>
public sealed class NodeHealth(ActorSystem system, ProcessorService service, IConnectionMultiplexer redis, HealthOptions options, int mentionPartitions)
{
    private static readonly TimeSpan RedisPingTimeout = TimeSpan.FromSeconds(2);

    public IReadOnlyList<string> LivenessProblems()
    {
        var problems = new List<string>();
        if (system.WhenTerminated.IsCompleted)
        {
            problems.Add("actor-system-terminated");
        }
        if (service.Failure is not null)
        {
            problems.Add("consumption-failed");
        }
        if (!service.IsStopping && service.Consumer.IsCompletedSuccessfully)
        {
            if (service.Consumer.Result.Exited.IsCompleted)
            {
                problems.Add("consume-loop-dead");
            }
            if (!service.IsStreamRunning)
            {
                problems.Add("stream-dead");
            }
        }
        return problems;
    }

    /// <summary>The problems, and whether this node is a declared idle member (Up, consuming, but more members than partitions).</summary>
    public async Task<(IReadOnlyList<string> Problems, bool Idle)> ReadinessAsync()
    {
        var problems = new List<string>(LivenessProblems());
        var idle = false;
        if (service.IsStopping)
        {
            problems.Add("stopping");
        }
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (cluster.SelfMember.Status != Akka.Cluster.MemberStatus.Up)
        {
            problems.Add("cluster-member-not-up");
        }
        if (!service.Consumer.IsCompletedSuccessfully)
        {
            problems.Add("not-consuming");
        }
        else
        {
            var consumer = service.Consumer.Result;
            if (consumer.AssignedPartitions.Count == 0)
            {
                // The group has one consumer per member: with more Up members than partitions some get none, and that is
                // by design. With enough partitions for all, a member without any is out of the group or mid-rebalance.
                var upMembers = cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);
                idle = upMembers > mentionPartitions;
                if (!idle)
                {
                    problems.Add("no-partitions-assigned");
                }
            }
            var waiting = consumer.InFlight > 0 || consumer.Lag.Values.Any(lag => lag > 0);
            if (waiting && consumer.SinceProgress > options.StallTimeout)
            {
                problems.Add("stalled");
            }
        }
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(RedisPingTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            problems.Add("redis-unreachable");
        }
        return (problems, idle);
    }
}

public static class HealthEndpoints
{
    public static WebApplication MapHealth(this WebApplication app, NodeHealth health)
    {
        app.MapGet("/health/live", () => health.LivenessProblems() is { Count: > 0 } problems
            ? Results.Json(new { status = "dead", problems }, statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Ok(new { status = "live" }));
        app.MapGet("/health/ready", async () =>
        {
            var (problems, idle) = await health.ReadinessAsync().ConfigureAwait(false);
            return problems.Count == 0
                ? Results.Ok(new { status = "ready", idle })
                : Results.Json(new { status = "not ready", problems }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
