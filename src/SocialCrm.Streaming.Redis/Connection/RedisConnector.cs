using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Connection;

/// <summary>
/// Opens the one connection the processor and the care console share with Redis: configuration string, ACL user and
/// password, TLS. A refused password or certificate stops start-up (<see cref="ConnectionSettingException"/>) naming the
/// setting, since no retry can fix it; a server that is only down is waited for in the background (start-up goes on).
/// </summary>
public static partial class RedisConnector
{
    public static ConnectionMultiplexer Connect(RedisConnectionSettings settings)
    {
        var certificates = settings.Tls.Enabled || settings.Tls.HasAnyFile ? RedisTlsCertificates.Load(settings.Tls) : null;
        var options = Options(settings, certificates);
        var retries = options.ConnectRetry;
        // One attempt that fails loudly tells a refusal (wrong password, untrusted certificate) from a server that is down.
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        // The client's connection log is where a TLS alert from the server shows (TLS 1.3 refuses a client certificate after the handshake).
        // The client goes on writing to it from its own threads after Connect has thrown, so it is written and read under
        // one lock: a StringWriter read while written can throw, and an exception filter that throws is a filter that
        // says no (a refused password then passed for a server that is down, about once in fifteen tries).
        var text = new StringWriter();
        using var log = TextWriter.Synchronized(text);
        try
        {
            var connection = ConnectionMultiplexer.Connect(options, log);
            try
            {
                // Without credentials a server whose default user is off still accepts the connection, then refuses every command.
                connection.GetDatabase().Ping();
                return connection;
            }
            catch (RedisServerException ex) when (IsAccessRefusal(ex.Message))
            {
                connection.Dispose();
                throw new ConnectionSettingException(PasswordRefused(settings), ex);
            }
        }
        catch (RedisConnectionException ex) when (RefusalOf(ex, Read(log, text), settings, certificates) is { } refusal)
        {
            throw new ConnectionSettingException(refusal, ex);
        }
        catch (RedisConnectionException)
        {
            options.AbortOnConnectFail = false;
            options.ConnectRetry = retries;
            return ConnectionMultiplexer.Connect(options);
        }
    }

    /// <summary>The client options: the configuration string, then the user, password and TLS settings over it.</summary>
    public static ConfigurationOptions Options(RedisConnectionSettings settings, RedisTlsCertificates? certificates)
    {
        var options = ConfigurationOptions.Parse(settings.Configuration);
        if (settings.User.Length > 0)
        {
            options.User = settings.User;
        }
        if (settings.Password.Length > 0)
        {
            options.Password = settings.Password;
        }
        if (certificates is null)
        {
            return options;
        }
        options.Ssl = true;
        options.CertificateValidation += (_, certificate, chain, errors) => certificates.Validate(certificate, chain, errors);
        if (certificates.Client is { } client)
        {
            options.CertificateSelection += (_, _, _, _, _) => client;
        }
        return options;
    }

    /// <summary>What in the settings made the server refuse the connection, or null when it was not a refusal.</summary>
    private static string? RefusalOf(RedisConnectionException failure, string connectionLog, RedisConnectionSettings settings, RedisTlsCertificates? certificates)
    {
        var messages = Causes(failure).Select(ex => ex.Message).Append(connectionLog).ToList();
        if (certificates?.Refusal is { } untrusted)
        {
            return $"Redis:Tls:CaCertificate: {untrusted}.";
        }
        if (messages.Any(IsAccessRefusal))
        {
            return PasswordRefused(settings);
        }
        if (Causes(failure).Any(ex => ex is AuthenticationException)
            || messages.Any(m => m.Contains("AuthenticationFailure", StringComparison.Ordinal) || TlsAlert().IsMatch(m))
            || (certificates is not null && TlsSessionRefused(settings.Configuration, certificates)))
        {
            return certificates?.Client is null
                ? "Redis:Tls: the Redis server refused the TLS handshake; it may require a client certificate (Redis:Tls:ClientCertificate)."
                : "Redis:Tls:ClientCertificate was refused by the Redis server in the TLS handshake: is it signed by a CA the server trusts (tls-ca-cert-file)?";
        }
        return null;
    }

    /// <summary>An alert the server sent in or right after the TLS handshake, e.g. "SSL routines::tlsv1 alert unknown ca" or "certificate required".</summary>
    [GeneratedRegex(@"SSL routines::(tlsv1[0-9]* |sslv3 )?alert|certificate required", RegexOptions.IgnoreCase)]
    private static partial Regex TlsAlert();

    /// <summary>
    /// Whether a server that accepts TCP ends the TLS session the client opened: under TLS 1.3 a refused client certificate
    /// shows only on the first read after the handshake, which the client's failure may not say. A server that is down is not asked.
    /// </summary>
    private static bool TlsSessionRefused(string configuration, RedisTlsCertificates certificates)
    {
        var options = ConfigurationOptions.Parse(configuration);
        foreach (var (host, port) in options.EndPoints.Select(HostAndPort))
        {
            using var tcp = new TcpClient();
            try
            {
                if (!tcp.ConnectAsync(host, port).Wait(TimeSpan.FromSeconds(5)))
                {
                    continue;
                }
            }
            catch (AggregateException)
            {
                continue; // down or unreachable: not a refusal
            }
            using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, chain, errors) => certificates.Validate(certificate, chain, errors));
            try
            {
                tls.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = options.SslHost ?? host,
                    ClientCertificates = certificates.Client is { } client ? [client] : null,
                });
                tls.ReadTimeout = 5_000;
                tls.Write("PING\r\n"u8);
                // Any answer (+PONG, -NOAUTH) means the session stands; an alert or a closed stream means it was refused.
                return tls.Read(new byte[64]) == 0;
            }
            catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
            {
                return false; // slow, not refusing: waited for like a server that is down
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                return true;
            }
        }
        return false;
    }

    private static (string Host, int Port) HostAndPort(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => (dns.Host, dns.Port),
        IPEndPoint ip => (ip.Address.ToString(), ip.Port),
        _ => (endpoint.ToString() ?? "", 6379),
    };

    private static bool IsAccessRefusal(string message) =>
        message.Contains("WRONGPASS", StringComparison.Ordinal) || message.Contains("NOAUTH", StringComparison.Ordinal) || message.Contains("NOPERM", StringComparison.Ordinal);

    /// <summary>What the client has logged so far (<paramref name="log"/> is <paramref name="text"/>, synchronized on itself).</summary>
    private static string Read(TextWriter log, StringWriter text)
    {
        lock (log)
        {
            return text.ToString();
        }
    }

    /// <summary>The user the connection signs in as: Redis:User, else the configuration string's, else Redis's default user.</summary>
    internal static string UserOf(RedisConnectionSettings settings) =>
        settings.User.Length > 0 ? settings.User : ConfigurationOptions.Parse(settings.Configuration).User ?? "default";

    private static string PasswordRefused(RedisConnectionSettings settings)
    {
        var user = UserOf(settings);
        return $"Redis:Password (or the password in Redis:Configuration) was refused by the Redis server for user '{user}' (Redis:User): "
            + "wrong or missing password, or the ACL user is unknown, disabled or lacks a permission the processor needs.";
    }

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}
