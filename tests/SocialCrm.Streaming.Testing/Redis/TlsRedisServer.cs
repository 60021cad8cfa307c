using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocialCrm.Streaming.Testing.Tls;

namespace SocialCrm.Streaming.Testing;

/// <summary>
/// Debian's <c>redis-server</c> as a production deployment runs it: TLS only (<c>--port 0</c>), client certificates required,
/// the default user off and one ACL user with a password. Certificates come from a <see cref="TestCertificates"/> CA.
/// Dispose kills the server by its process id and waits for it; the port is free again after.
/// </summary>
public sealed class TlsRedisServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TlsRedisServer(Process process, int port, string user, string password)
    {
        _process = process;
        Port = port;
        User = user;
        Password = password;
    }

    public int Port { get; }
    public string User { get; }
    public string Password { get; }
    public int ProcessId => _process.Id;

    /// <summary>The configuration string without credentials or certificates: those go in through Redis:User, Redis:Password and Redis:Tls.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=5000";

    /// <param name="permissions">The ACL user's key, channel and command rules (default: everything).</param>
    public static TlsRedisServer Start(TestCertificates authority, string user, string password, IReadOnlyList<string>? permissions = null)
    {
        var path = RedisServers.RedisServerPath ?? throw new InvalidOperationException("redis-server is not installed");
        var (certificate, key) = authority.IssuePem("redis-server");
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[]
                     {
                         "--port", "0",
                         "--tls-port", port.ToString(CultureInfo.InvariantCulture),
                         "--bind", "127.0.0.1",
                         "--tls-cert-file", certificate,
                         "--tls-key-file", key,
                         "--tls-ca-cert-file", authority.CaFile,
                         "--tls-auth-clients", "yes",
                         // One argument per word: redis-server quotes an argument that holds a space as one token.
                         "--user", "default", "off",
                         "--user", user, "on", $">{password}",
                     }.Concat(permissions ?? ["~*", "&*", "+@all"]).Concat(new[]
                     {
                         "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
                         "--dir", authority.Directory,
                     }))
            {
                start.ArgumentList.Add(arg);
            }
            var process = Process.Start(start)!;
            var server = new TlsRedisServer(process, port, user, password);
            process.OutputDataReceived += (_, e) => server.Capture(e.Data);
            process.ErrorDataReceived += (_, e) => server.Capture(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (server.WaitForListening(TimeSpan.FromSeconds(10)))
            {
                return server;
            }
            var output = server.Output;
            server.Dispose();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"redis-server with TLS did not start on port {port}: {output}");
            }
        }
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private void Capture(string? line)
    {
        if (line is not null)
        {
            lock (_output) _output.AppendLine(line);
        }
    }

    private bool WaitForListening(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }
        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
