using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace SocialCrm.Streaming.CareConsole.Access;

/// <summary>
/// Sign-in: OpenID Connect bearer tokens in production; with <see cref="DevSignInOptions.Enabled"/>, also a
/// signed cookie issued by <c>/dev-login?token=...</c> for the demo's agents. A request with an
/// Authorization header is always judged by its token.
/// </summary>
public static class ConsoleAuthentication
{
    public const string Scheme = "console";
    private const string DevCookie = "console-dev";

    public static void Add(IServiceCollection services, ConsoleOptions options)
    {
        var auth = options.Auth;
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Bearer token or development cookie", policy => policy.ForwardDefaultSelector = context =>
                options.DevSignIn.Enabled && string.IsNullOrEmpty(context.Request.Headers.Authorization) ? DevCookie : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.Authority = string.IsNullOrWhiteSpace(auth.Authority) ? null : auth.Authority;
                jwt.Audience = auth.Audience;
                jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
                // Claims keep the names the identity provider gave them, so BrandsClaim and NameClaim mean what they say.
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters.NameClaimType = auth.NameClaim;
            })
            .AddCookie(DevCookie, cookie =>
            {
                cookie.Cookie.Name = "scrm-console";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                cookie.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });
        services.AddAuthorization();
        // The development cookie lives as long as the process: its keys stay in memory, never on disk.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
    }

    /// <summary>Maps <c>/dev-login</c> when the development sign-in is on.</summary>
    public static void MapDevSignIn(WebApplication app, ConsoleOptions options)
    {
        if (!options.DevSignIn.Enabled)
        {
            return;
        }
        app.MapGet("/dev-login", async (HttpContext context, string? token) =>
        {
            var user = options.DevSignIn.Users.FirstOrDefault(u => token is not null && FixedTimeEquals(u.Token, token));
            if (user is null)
            {
                return Results.Unauthorized();
            }
            Claim[] claims = [new(options.Auth.NameClaim, user.Name), .. user.Brands.Select(b => new Claim(options.Auth.BrandsClaim, b))];
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, DevCookie, options.Auth.NameClaim, null));
            await context.SignInAsync(DevCookie, principal).ConfigureAwait(false);
            return Results.Redirect("/");
        });
    }

    private static bool FixedTimeEquals(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));
}
