using System.Security.Cryptography;
using System.Text;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Alerts;

/// <summary>
/// Deterministic ids: the first 8 bytes (16 hex digits) of SHA-256 over rule, subject (entity or brand)
/// and the source position(s) that fired it, prefixed <c>crs-</c> for crisis alerts and <c>trg-</c> for
/// triggers. A replay of the same input yields the same ids, so writes can be idempotent on them.
/// </summary>
public static class SignalIds
{
    public static string ForAlert(string rule, string subject, SourcePosition position) => Make("crs-", rule, subject, position.ToString());

    public static string ForAlert(string rule, string subject, string discriminator) => Make("crs-", rule, subject, discriminator);

    public static string ForTrigger(string rule, string subject, SourcePosition position) => Make("trg-", rule, subject, position.ToString());

    private static string Make(string prefix, string rule, string subject, string discriminator)
    {
        var input = Encoding.UTF8.GetBytes($"{rule}\n{subject}\n{discriminator}");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return prefix + Convert.ToHexStringLower(hash[..8]);
    }
}
