using SocialCrm.Streaming.Domain.Privacy;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>How personal data is pseudonymised (topology/privacy.md).</summary>
public sealed class PrivacyOptions
{
    /// <summary>
    /// Base64 of at least 32 random bytes (<c>openssl rand -base64 32</c>): the HMAC-SHA256 key of the pseudonyms in logs
    /// and, with <see cref="PseudonymiseAuthors"/>, in Redis and the output topics. Every node of a cluster needs the same
    /// key, kept across restarts (on Kubernetes the Secret <c>socialcrm-privacy</c>). Empty: logs use a key made for the
    /// process (its lines correlate, lines of other nodes or runs do not).
    /// </summary>
    public string PseudonymKey { get; set; } = "";

    /// <summary>
    /// Pseudonymise prospects' author ids in entity ids, Redis keys and every payload, and drop their handles and post
    /// links; needs <see cref="PseudonymKey"/> (a changed key splits every prospect in two).
    /// </summary>
    public bool PseudonymiseAuthors { get; set; }

    public void Validate(List<string> errors)
    {
        if (PseudonymKey.Length > 0 && DecodeKey() is null)
        {
            // The value is a secret: the message says what is wrong with it, never what it is.
            errors.Add($"Privacy:PseudonymKey must be base64 of at least {Pseudonymizer.MinKeyBytes} bytes (openssl rand -base64 32); was a value of {PseudonymKey.Length} characters");
        }
        if (PseudonymiseAuthors && PseudonymKey.Length == 0)
        {
            errors.Add("Privacy:PseudonymiseAuthors needs Privacy:PseudonymKey (the same key on every node and after every restart); was true without a key");
        }
    }

    /// <summary>The configured key's pseudonymizer, or one with a key made for this process (validated first).</summary>
    public Pseudonymizer CreatePseudonymizer() => DecodeKey() is { } key ? new Pseudonymizer(key) : Pseudonymizer.Ephemeral();

    private byte[]? DecodeKey()
    {
        var buffer = new byte[PseudonymKey.Length];
        return Convert.TryFromBase64String(PseudonymKey.Trim(), buffer, out var written) && written >= Pseudonymizer.MinKeyBytes
            ? buffer[..written]
            : null;
    }
}
