using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole;

/// <summary>
/// A Redis that cannot serve a request now (unreachable, full, a read-only replica, loading) answers 503 with a
/// Retry-After and what Redis said, instead of a bare 500: the page shows the reason and the agent tries again. A live
/// stream whose response has started is left to end as it does (the page reconnects).
/// </summary>
public sealed class RedisUnavailable : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is RedisException or RedisTimeoutException) && !context.HttpContext.Response.HasStarted)
        {
            context.HttpContext.Response.Headers.RetryAfter = "5";
            return Results.Problem($"Redis cannot serve this now ({Reason(ex)}); try again in a few seconds", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>The server's error code (OOM, READONLY, LOADING, ...), or what kept the answer away.</summary>
    private static string Reason(Exception failure) => failure switch
    {
        RedisServerException server => server.Message.Split(' ', 2)[0],
        RedisTimeoutException => "no answer in time",
        _ => "unreachable",
    };
}
