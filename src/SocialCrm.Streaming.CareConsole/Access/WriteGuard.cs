using Microsoft.AspNetCore.Http;

namespace SocialCrm.Streaming.CareConsole.Access;

/// <summary>
/// Anti-forgery for every write, the same for cookie and bearer sign-in: the request must carry the
/// <see cref="HeaderName"/> header (a cross-site form cannot set it, and a cross-site script cannot send it
/// without a CORS preflight, which the console never grants), and its Origin and Sec-Fetch-Site, when the
/// browser sends them, must be this console's own.
/// </summary>
public sealed class WriteGuard : IEndpointFilter
{
    public const string HeaderName = "X-Console-Request";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!request.Headers.ContainsKey(HeaderName))
        {
            return ValueTask.FromResult<object?>(Results.Problem($"writes need the {HeaderName} header", statusCode: StatusCodes.Status403Forbidden));
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return ValueTask.FromResult<object?>(Results.Problem("cross-origin write refused", statusCode: StatusCodes.Status403Forbidden));
        }
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return ValueTask.FromResult<object?>(Results.Problem("cross-site write refused", statusCode: StatusCodes.Status403Forbidden));
        }
        return next(context);
    }
}
