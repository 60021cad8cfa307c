using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>
/// Keeps secrets out of every message the host prints: a setting whose name says it holds a secret (password, secret,
/// token, private key, JAAS config...) is never echoed, its value is masked wherever a message quotes it (a client's
/// error, an exception), and so is any <c>password=...</c> pair of a connection string, whatever the setting is called.
/// </summary>
public static partial class SecretMask
{
    public const string Masked = "***";

    /// <summary>Secret values of every configuration loaded in this process (the messages of a failure may quote any of them).</summary>
    private static readonly ConcurrentDictionary<string, byte> Known = new(StringComparer.Ordinal);

    /// <summary>True for a setting (or librdkafka property, or connection-string key) whose value is a secret.</summary>
    public static bool IsSecret(string setting)
    {
        var name = setting[(setting.LastIndexOf(':') + 1)..];
        return SecretName().IsMatch(name);
    }

    /// <summary>Remembers the secret values of <paramref name="configuration"/> so that <see cref="Apply"/> masks them.</summary>
    public static void Register(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }
            if (IsSecret(key))
            {
                Remember(value);
            }
            foreach (Match pair in SecretPair().Matches(value))
            {
                Remember(pair.Groups["value"].Value);
            }
        }
    }

    /// <summary>The text with every known secret and every secret <c>key=value</c> pair masked.</summary>
    public static string Apply(string text)
    {
        var masked = SecretPair().Replace(text, pair => pair.Groups["key"].Value + pair.Groups["sep"].Value + Masked);
        // Longest first, so a secret that contains another is masked whole.
        foreach (var secret in Known.Keys.OrderByDescending(s => s.Length))
        {
            masked = masked.Replace(secret, Masked, StringComparison.Ordinal);
        }
        return masked;
    }

    /// <summary>A setting's value as a message may show it: masked when the setting holds a secret.</summary>
    public static object? Shown(string setting, object? value) => IsSecret(setting) && value is not null ? Masked : value;

    private static void Remember(string secret)
    {
        // Values of a character or two would mask unrelated text; they are no secret worth the name anyway.
        if (secret.Trim().Length >= 3)
        {
            Known.TryAdd(secret.Trim(), 0);
        }
    }

    [GeneratedRegex(@"(password|passwd|pwd|secret|token|credential|apikey|api\.key|private|jaas\.config|oauthbearer\.config|[._]key(\.pem)?$)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    /// <summary><c>password=x</c>, <c>sasl.password: x</c>, <c>Pwd=x</c> in a connection string, up to the next separator.</summary>
    [GeneratedRegex(@"(?<key>\b[\w.]*(password|passwd|pwd|secret|token)[\w.]*)(?<sep>\s*[=:]\s*)(?<value>[^,;\s'""]+)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretPair();
}
