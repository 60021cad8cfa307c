using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Hosting;
using SocialCrm.Streaming.Redis.Connection;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>Akka remoting over TLS, bound from <c>Cluster:Tls</c>: every member presents the same certificate (a Secret mounted in every pod).</summary>
public sealed class ClusterTlsOptions
{
    /// <summary>The shared certificate with its private key: a PFX, or a PEM certificate (key in <see cref="Key"/> or the same file). Empty: plaintext remoting.</summary>
    public string Certificate { get; set; } = "";
    /// <summary>PEM file of the private key, when <see cref="Certificate"/> is a PEM certificate without it.</summary>
    public string Key { get; set; } = "";
    /// <summary>Password of the PFX or of an encrypted PEM key.</summary>
    public string Password { get; set; } = "";
    /// <summary>
    /// PEM file of a CA: a peer is let in when its certificate chains to it (per-node certificates). Empty: a peer is let in
    /// only when it presents the very certificate of <see cref="Certificate"/>.
    /// </summary>
    public string CaCertificate { get; set; } = "";
}

/// <summary>The remoting settings of a node: where it listens, what it is called, and, with <c>Cluster:Tls</c>, mutual TLS that lets in only holders of the shared certificate.</summary>
public static class ClusterRemoting
{
    /// <summary>The scheme of member addresses: DotNetty's TLS transport names itself akka.ssl.tcp.</summary>
    public static string Protocol(ClusterNodeOptions cluster) => cluster.Tls.Certificate.Length > 0 ? "akka.ssl.tcp" : "akka.tcp";

    public static RemoteOptions Options(ClusterNodeOptions cluster)
    {
        var remote = new RemoteOptions
        {
            HostName = "0.0.0.0",
            PublicHostName = cluster.Hostname,
            Port = cluster.Port,
        };
        var tls = cluster.Tls;
        if (tls.Certificate.Length == 0)
        {
            return remote;
        }
        var certificate = CertificateFiles.LoadWithPrivateKey("Cluster:Tls:Certificate", tls.Certificate, tls.Key, tls.Password, "Cluster:Tls:Key", "Cluster:Tls:Password");
        var anchors = new X509Certificate2Collection();
        if (tls.CaCertificate.Length > 0)
        {
            CertificateFiles.Read("Cluster:Tls:CaCertificate", tls.CaCertificate, () => anchors.ImportFromPemFile(tls.CaCertificate));
        }
        remote.EnableSsl = true;
        remote.Ssl = new SslOptions
        {
            X509Certificate = certificate,
            // Validation stays on, both ways: a peer without the shared certificate (or one from the CA) is refused in the handshake.
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            // Members reach each other by pod DNS names or addresses that one shared certificate cannot all carry.
            ValidateCertificateHostname = false,
            CustomValidator = (peer, chain, remotePeer, errors, log) => IsTrustedPeer(peer, chain, remotePeer, errors, log, certificate, anchors),
        };
        return remote;
    }

    /// <summary>The peer holds the shared certificate, or, with <c>Cluster:Tls:CaCertificate</c>, one that chains to that CA; it is within its validity either way.</summary>
    public static bool IsTrustedPeer(X509Certificate2? peer, X509Chain? chain, string remotePeer, SslPolicyErrors errors, ILoggingAdapter log,
        X509Certificate2 shared, X509Certificate2Collection anchors)
    {
        if (peer is null)
        {
            log.Warning("Refused remoting peer {0}: it presented no certificate (Cluster:Tls)", remotePeer);
            return false;
        }
        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.AddRange(anchors.Count > 0 ? anchors : [shared]);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                verify.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        var chained = verify.Build(peer);
        var trusted = chained && (anchors.Count > 0 || peer.RawDataMemory.Span.SequenceEqual(shared.RawDataMemory.Span));
        if (!trusted)
        {
            log.Warning("Refused remoting peer {0}: its certificate {1} (thumbprint {2}) is not {3} ({4}; TLS said {5})", remotePeer, peer.Subject, peer.Thumbprint,
                anchors.Count > 0 ? "signed by Cluster:Tls:CaCertificate" : "the shared certificate of Cluster:Tls:Certificate",
                string.Join(", ", verify.ChainStatus.Select(s => s.Status).Distinct()), errors);
        }
        return trusted;
    }
}
