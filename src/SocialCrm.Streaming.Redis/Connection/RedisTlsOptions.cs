namespace SocialCrm.Streaming.Redis.Connection;

/// <summary>TLS to Redis, bound from <c>Redis:Tls</c> (env <c>SOCIALCRM__Redis__Tls__*</c>); files usually come from a mounted Secret.</summary>
public sealed class RedisTlsOptions
{
    /// <summary>Encrypts the connection (as <c>ssl=true</c> in <c>Redis:Configuration</c> does).</summary>
    public bool Enabled { get; set; }
    /// <summary>PEM file of the CA(s) that sign the server's certificate; empty: the system's trusted CAs.</summary>
    public string CaCertificate { get; set; } = "";
    /// <summary>The client certificate the server asks for (<c>tls-auth-clients</c>): a PEM file (with <see cref="ClientKey"/>) or a PFX file.</summary>
    public string ClientCertificate { get; set; } = "";
    /// <summary>PEM file of the client certificate's private key; empty when <see cref="ClientCertificate"/> is a PFX or holds the key.</summary>
    public string ClientKey { get; set; } = "";
    /// <summary>Password of the PFX, or of an encrypted PEM key.</summary>
    public string ClientCertificatePassword { get; set; } = "";

    public bool HasAnyFile => CaCertificate.Length > 0 || ClientCertificate.Length > 0 || ClientKey.Length > 0;
}

/// <summary>Everything needed to reach Redis: the configuration string, the ACL user and password, TLS.</summary>
/// <param name="User">ACL user (<c>Redis:User</c>); overrides <c>user=</c> of the configuration string.</param>
/// <param name="Password">Its password (<c>Redis:Password</c>); overrides <c>password=</c> of the configuration string.</param>
public sealed record RedisConnectionSettings(string Configuration, string User, string Password, RedisTlsOptions Tls);

