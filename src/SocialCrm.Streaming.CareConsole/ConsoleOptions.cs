using SocialCrm.Streaming.Redis.Connection;
using SocialCrm.Streaming.Redis.State;

namespace SocialCrm.Streaming.CareConsole;

/// <summary>
/// Settings of the care console: section <c>Console</c> (e.g. <c>SOCIALCRM__Console__Auth__Authority</c>); the
/// Redis connection and key prefix are the processor's (<c>Redis:Configuration</c>, <c>Redis:KeyPrefix</c>).
/// </summary>
public sealed class ConsoleOptions
{
    public string RedisConfiguration { get; set; } = "";
    /// <summary>The processor's <c>Redis:User</c>, <c>Redis:Password</c> and <c>Redis:Tls</c>.</summary>
    public string RedisUser { get; set; } = "";
    public string RedisPassword { get; set; } = "";
    public RedisTlsOptions RedisTls { get; set; } = new();
    public string KeyPrefix { get; set; } = "scrm";
    public ConsoleAuthOptions Auth { get; set; } = new();
    public DevSignInOptions DevSignIn { get; set; } = new();
    public ConsoleKafkaOptions Kafka { get; set; } = new();

    /// <summary>A case (its record and audit trail) expires this long after its last change, and leaves the brand's index.</summary>
    public TimeSpan CaseRetention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Whether case events also go to Kafka (through the brands' outboxes), or only to Redis.</summary>
    public bool SendsCaseEvents => !string.IsNullOrWhiteSpace(Kafka.BootstrapServers);

    /// <summary>Every problem with the settings, for one clear error at start.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(RedisConfiguration))
        {
            errors.Add("Redis:Configuration (--redis) is required");
        }
        if (!DevSignIn.Enabled && (string.IsNullOrWhiteSpace(Auth.Authority) || string.IsNullOrWhiteSpace(Auth.Audience)))
        {
            errors.Add("Console:Auth:Authority and Console:Auth:Audience are required (OpenID Connect bearer tokens)");
        }
        if (!RedisKeys.IsValidPrefix(KeyPrefix))
        {
            // The processor refuses such a prefix: a console on it would read keys no processor writes, and show an empty queue.
            errors.Add($"Redis:KeyPrefix {RedisKeys.PrefixRule}; was '{KeyPrefix}'");
        }
        if (CaseRetention < TimeSpan.FromDays(1) || CaseRetention > RedisStoreOptions.LongestRetention)
        {
            errors.Add($"Console:CaseRetention must be within 1.00:00:00..{RedisStoreOptions.LongestRetention}; was '{CaseRetention}'");
        }
        if (string.IsNullOrWhiteSpace(Auth.BrandsClaim))
        {
            errors.Add("Console:Auth:BrandsClaim must name the claim that lists a user's brands");
        }
        if (DevSignIn.Enabled && DevSignIn.Users.Any(u => u.Token.Length < 16 || string.IsNullOrWhiteSpace(u.Name)))
        {
            errors.Add("Console:DevSignIn:Users need a name and a token of 16 characters or more");
        }
        return errors;
    }
}

public sealed class ConsoleAuthOptions
{
    /// <summary>The OpenID Connect issuer, e.g. <c>https://login.example.com/realms/care</c>.</summary>
    public string Authority { get; set; } = "";
    public string Audience { get; set; } = "";
    /// <summary>The claim listing the brands a user may see and work (one claim per brand, or one space- or comma-separated value).</summary>
    public string BrandsClaim { get; set; } = "brands";
    /// <summary>The claim naming the agent in the audit trail.</summary>
    public string NameClaim { get; set; } = "preferred_username";
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>The development sign-in of the demo and the tests: <c>/dev-login?token=...</c> issues a signed cookie.</summary>
public sealed class DevSignInOptions
{
    public bool Enabled { get; set; }
    public List<DevUser> Users { get; set; } = [];
}

public sealed class DevUser
{
    public string Token { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Brands { get; set; } = [];
}

public sealed class ConsoleKafkaOptions
{
    /// <summary>Empty: case events go only to Redis (the audit trail and the live channel).</summary>
    public string BootstrapServers { get; set; } = "";
    public string CaseEventsTopic { get; set; } = "social.cases.events";
    /// <summary>More librdkafka settings (security.protocol, sasl.*), as for the processor's Kafka:Properties.</summary>
    public Dictionary<string, string> Properties { get; set; } = [];
}
