using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SocialCrm.Streaming.Testing.Tls;

/// <summary>
/// A throwaway certificate authority made by the test (<see cref="CertificateRequest"/>, no openssl): it issues server and
/// client certificates and writes them as PEM or PFX files into a temporary directory that <see cref="Dispose"/> deletes.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly RSA _caKey;

    private TestCertificates(string name, string directory)
    {
        Directory = directory;
        _caKey = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name} test CA", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaFile = Path.Combine(directory, $"{name}-ca.crt");
        File.WriteAllText(CaFile, Authority.ExportCertificatePem());
    }

    /// <summary>A new CA named <paramref name="name"/> (the files are named after it, so two CAs can share nothing).</summary>
    public static TestCertificates Create(string name) => new(name, System.IO.Directory.CreateTempSubdirectory("socialcrm-tls-").FullName);

    public string Directory { get; }
    public X509Certificate2 Authority { get; }
    /// <summary>PEM file of the CA certificate.</summary>
    public string CaFile { get; }

    /// <summary>A certificate for 127.0.0.1 and localhost (server and client use), signed by this CA, as PEM files.</summary>
    public (string CertificateFile, string KeyFile) IssuePem(string name)
    {
        using var certificate = Issue(name);
        var certificateFile = Path.Combine(Directory, $"{name}.crt");
        var keyFile = Path.Combine(Directory, $"{name}.key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    /// <summary>The same as a password-protected PFX file.</summary>
    public string IssuePfx(string name, string password)
    {
        using var certificate = Issue(name);
        var file = Path.Combine(Directory, $"{name}.pfx");
        File.WriteAllBytes(file, certificate.Export(X509ContentType.Pfx, password));
        return file;
    }

    /// <summary>A self-signed certificate (its own CA) as a password-protected PFX: the shared certificate of a cluster.</summary>
    public string SelfSignedPfx(string name, string password)
    {
        using var key = RSA.Create(2048);
        var request = Request(name, key);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var file = Path.Combine(Directory, $"{name}.pfx");
        File.WriteAllBytes(file, certificate.Export(X509ContentType.Pfx, password));
        return file;
    }

    private X509Certificate2 Issue(string name)
    {
        using var key = RSA.Create(2048);
        var request = Request(name, key);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static CertificateRequest Request(string name, RSA key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        return request;
    }

    public void Dispose()
    {
        Authority.Dispose();
        _caKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
