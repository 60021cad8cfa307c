using System.Net;
using System.Net.Sockets;
using System.Text;
using Garnet;

namespace SocialCrm.Streaming.Redis.Embedded;

/// <summary>
/// An in-process Redis-protocol server (Microsoft Garnet) on a loopback port: in memory only
/// (no storage tier, no AOF, no checkpoints), Lua enabled and each script run as a transaction, quiet (no banner; only errors are
/// logged). Serves what the Redis contract (topology/redis-keys.md) uses: hashes, lists, sorted sets, strings,
/// pub/sub, EXPIRE, MULTI/EXEC, EVAL/EVALSHA.
/// </summary>
/// <remarks>
/// Thread safety: the server itself serves any number of connections concurrently;
/// <see cref="Dispose"/> is idempotent and may be called from any thread. Everything stored is
/// lost on dispose. Memory: the hash index is allocated up front (<c>--index 32m</c>); the log
/// grows on demand up to Garnet's default cap (16 GB, no eviction to disk).
/// </remarks>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly Lock _gate = new();
    private GarnetServer? _server;

    private EmbeddedGarnet(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
        ConnectionString = $"127.0.0.1:{port},allowAdmin=true,abortConnect=false";
    }

    /// <summary>Loopback port the server listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>StackExchange.Redis configuration string: "127.0.0.1:PORT,allowAdmin=true,abortConnect=false".</summary>
    public string ConnectionString { get; }

    /// <summary>Starts Garnet on 127.0.0.1:<paramref name="port"/>, or on a free port when null.</summary>
    public static EmbeddedGarnet Start(int? port = null) => Start(port, []);

    /// <summary>
    /// Like <see cref="Start(int?)"/>, with extra Garnet command-line options appended after the
    /// defaults (later options win), e.g. <c>["--index", "256m"]</c>.
    /// </summary>
    public static EmbeddedGarnet Start(int? port, IEnumerable<string> extraArgs)
    {
        ArgumentNullException.ThrowIfNull(extraArgs);
        var extra = extraArgs.ToArray();
        if (port is { } fixedPort)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(fixedPort, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(fixedPort, 65535);
            return StartOn(fixedPort, extra);
        }

        // A free port can be taken by someone else between probing and binding: retry a few times.
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                return StartOn(FreeLoopbackPort(), extra);
            }
            catch (Exception ex) when (ex is SocketException or InvalidOperationException or IOException)
            {
                last = ex;
            }
        }

        throw new InvalidOperationException("Could not start embedded Garnet on a free port.", last);
    }

    /// <summary>The Garnet options used for <paramref name="port"/> (exposed for diagnostics).</summary>
    public static string[] DefaultArguments(int port) =>
    [
        "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--bind", "127.0.0.1",
        "--lua",
        // Garnet runs a Lua script without isolation unless told: two scripts that check a key and then set it can
        // both pass the check (150 to 854 of 2,000 concurrent pairs in RedisServerCommandTests). Every script of ours is a compare and set
        // (write fences, flush versions, case versions, outbox trims), as on Redis, where a script runs alone.
        "--lua-transaction-mode", "true",
        "-q",                          // no version banner / ASCII art
        "--logger-level", "Error",
        "--index", "32m",              // default 128m is allocated up front
        "--storage-tier", "false",     // in memory only
    ];

    public void Dispose()
    {
        GarnetServer? server;
        lock (_gate)
        {
            server = _server;
            _server = null;
        }

        server?.Dispose();
    }

    public override string ToString() => $"EmbeddedGarnet({ConnectionString})";

    private static EmbeddedGarnet StartOn(int port, string[] extra)
    {
        string[] args = [.. DefaultArguments(port), .. extra];
        GarnetServer? server = null;
        try
        {
            server = new GarnetServer(args);
            server.Start();
            WaitForPing(port, TimeSpan.FromSeconds(10));
            var result = new EmbeddedGarnet(server, port);
            server = null;
            return result;
        }
        finally
        {
            server?.Dispose();
        }
    }

    private static void WaitForPing(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        var buffer = new byte[64];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                using var stream = client.GetStream();
                stream.ReadTimeout = 2000;
                stream.Write("*1\r\n$4\r\nPING\r\n"u8);
                var read = stream.Read(buffer, 0, buffer.Length);
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }

                last = new IOException("Unexpected PING reply: " + Encoding.ASCII.GetString(buffer, 0, read));
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                last = ex;
            }

            Thread.Sleep(20);
        }

        throw new InvalidOperationException($"Embedded Garnet did not answer PING on 127.0.0.1:{port}.", last);
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
