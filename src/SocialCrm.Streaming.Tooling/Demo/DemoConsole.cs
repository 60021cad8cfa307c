using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.CareConsole;

namespace SocialCrm.Streaming.Host.Demo;

/// <summary>The care console as <c>socialcrm demo</c> starts it beside its node.</summary>
public static class DemoConsole
{
    /// <summary>
    /// The demo's console: development sign-in on, one demo agent for every brand. The returned URL signs the
    /// browser in (a one-time random token of this run).
    /// </summary>
    public static async Task<(ConsoleApp Console, string SignInUrl)> StartAsync(string redis, string keyPrefix, IReadOnlyList<string> brands, int port, CancellationToken cancellationToken)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var options = new ConsoleOptions
        {
            RedisConfiguration = redis,
            KeyPrefix = keyPrefix,
            DevSignIn = new DevSignInOptions { Enabled = true, Users = [new DevUser { Token = token, Name = "demo-agent", Brands = [.. brands] }] },
        };
        var console = await ConsoleApp.StartAsync(options, "127.0.0.1", port, logging => logging.AddFilter("SocialCrm", LogLevel.Warning), cancellationToken).ConfigureAwait(false);
        return (console, $"{console.Url.ToString().TrimEnd('/')}/dev-login?token={token.ToString(CultureInfo.InvariantCulture)}");
    }
}
