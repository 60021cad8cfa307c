using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SocialCrm.Streaming.Redis.Connection;

/// <summary>
/// The certificates of <see cref="RedisTlsOptions"/>, loaded once at start-up (a bad file or password is a setting error, not a
/// connection that fails forever), and the check of the server's certificate, which remembers why it refused one.
/// </summary>
public sealed class RedisTlsCertificates
{
    private readonly X509Certificate2Collection _trusted;
    private volatile string? _refusal;

    private RedisTlsCertificates(X509Certificate2Collection trusted, X509Certificate2? client)
    {
        _trusted = trusted;
        Client = client;
    }

    public X509Certificate2? Client { get; }

    /// <summary>Why the last server certificate was refused; null when none was.</summary>
    public string? Refusal => _refusal;

    public static RedisTlsCertificates Load(RedisTlsOptions tls)
    {
        var trusted = new X509Certificate2Collection();
        if (tls.CaCertificate.Length > 0)
        {
            CertificateFiles.Read("Redis:Tls:CaCertificate", tls.CaCertificate, () => trusted.ImportFromPemFile(tls.CaCertificate));
            if (trusted.Count == 0)
            {
                throw new ConnectionSettingException($"Redis:Tls:CaCertificate holds no PEM certificate: {tls.CaCertificate}");
            }
        }
        X509Certificate2? client = null;
        if (tls.ClientCertificate.Length > 0)
        {
            client = CertificateFiles.LoadWithPrivateKey("Redis:Tls:ClientCertificate", tls.ClientCertificate, tls.ClientKey, tls.ClientCertificatePassword,
                "Redis:Tls:ClientKey", "Redis:Tls:ClientCertificatePassword");
        }
        return new RedisTlsCertificates(trusted, client);
    }

    /// <summary>
    /// Accepts the server's certificate when it names the host and chains to <c>Redis:Tls:CaCertificate</c> (or, without
    /// one, to the system's CAs); anything else is refused and the reason kept for the start-up message.
    /// </summary>
    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var refusal = RefusalOf(certificate, chain, errors);
        _refusal = refusal;
        return refusal is null;
    }

    private string? RefusalOf(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the Redis server presented no certificate";
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"the Redis server's certificate ({certificate.Subject}) does not name the host connected to (set sslHost= in Redis:Configuration to the name it carries)";
        }
        if (_trusted.Count == 0)
        {
            return errors == SslPolicyErrors.None ? null
                : $"the Redis server's certificate ({certificate.Subject}, issued by {certificate.Issuer}) is not trusted by the system's CAs: set Redis:Tls:CaCertificate to the CA that signed it";
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        var server = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (custom.Build(server))
        {
            return null;
        }
        var status = string.Join(", ", custom.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        return $"the Redis server's certificate ({server.Subject}, issued by {server.Issuer}) does not chain to Redis:Tls:CaCertificate ({status})";
    }
}
