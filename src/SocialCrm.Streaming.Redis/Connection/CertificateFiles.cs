using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SocialCrm.Streaming.Redis.Connection;

/// <summary>
/// Certificates from files (mounted Secrets): a PEM certificate with its PEM key, or a PFX, each optionally with a password.
/// A file that cannot be read is a setting error naming the setting, never quoting the password. Shared by every TLS
/// setting of the host (Redis, Akka remoting).
/// </summary>
public static class CertificateFiles
{
    /// <summary>A certificate with its private key, from <paramref name="path"/> (PEM or PFX) and, for PEM, <paramref name="keyPath"/> (empty: the key is in the same file).</summary>
    public static X509Certificate2 LoadWithPrivateKey(string setting, string path, string keyPath, string password, string keySetting, string passwordSetting)
    {
        var certificate = Read(setting, path, () => IsPem(path)
            ? password.Length > 0
                ? X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath.Length > 0 ? keyPath : null)
                : X509Certificate2.CreateFromPemFile(path, keyPath.Length > 0 ? keyPath : null)
            : X509CertificateLoader.LoadPkcs12FromFile(path, password.Length > 0 ? password : null), passwordSetting);
        return certificate.HasPrivateKey
            ? certificate
            : throw new ConnectionSettingException($"{setting} has no private key: give it in {keySetting} (PEM) or use a PFX; file {path}");
    }

    public static T Read<T>(string setting, string path, Func<T> load, string? passwordSetting = null)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The exception names the file or says "the password is incorrect"; it never quotes the password.
            var hint = passwordSetting is null ? "" : $", and {passwordSetting} for a PFX or an encrypted key";
            throw new ConnectionSettingException($"{setting} cannot be read from {path} ({ex.GetType().Name}: {ex.Message}); check the file{hint}", ex);
        }
    }

    public static void Read(string setting, string path, Action load) => Read(setting, path, () => { load(); return 0; });

    private static bool IsPem(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[256];
        var read = reader.Read(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}

/// <summary>A connection setting that cannot work (an unreadable certificate, a refused password or certificate): start-up stops with this message, which names the setting and holds no secret.</summary>
public sealed class ConnectionSettingException(string message, Exception? inner = null) : Exception(message, inner);
