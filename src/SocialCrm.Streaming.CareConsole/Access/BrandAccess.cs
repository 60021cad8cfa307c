using System.Security.Claims;

namespace SocialCrm.Streaming.CareConsole.Access;

/// <summary>Who the signed-in user is and which brands they may see and work, from their claims.</summary>
public sealed class BrandAccess(ConsoleAuthOptions options)
{
    private static readonly char[] Separators = [' ', ','];

    public IReadOnlySet<string> BrandsOf(ClaimsPrincipal user) =>
        user.FindAll(options.BrandsClaim)
            .SelectMany(c => c.Value.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);

    public bool May(ClaimsPrincipal user, string brand) => BrandsOf(user).Contains(brand);

    /// <summary>The agent's name for the audit trail; the subject when the token carries no name.</summary>
    public string NameOf(ClaimsPrincipal user) =>
        user.FindFirst(options.NameClaim)?.Value ?? user.FindFirst("sub")?.Value ?? user.Identity?.Name ?? "unknown";
}
