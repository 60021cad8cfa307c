using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using SocialCrm.Streaming.Redis.Embedded;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Testing;

/// <summary>
/// One running Redis-protocol server for tests: Debian's <c>redis-server</c> as a child process
/// ("redis") or in-process Garnet ("garnet"), on a free 127.0.0.1 port. Start one with
/// <see cref="RedisServers.Start"/> (you dispose it) or share one through
/// <see cref="RedisServersFixture"/>.
/// </summary>
/// <remarks>
/// <para>Fault injection:</para>
/// <list type="bullet">
/// <item><see cref="Freeze"/>/<see cref="Thaw"/>/<see cref="PauseFor"/>: SIGSTOP/SIGCONT on the
/// redis-server process. Keeps the data and the TCP connections; clients' requests simply get no
/// answer until thawed (like a GC pause or a stalled host). Only for "redis" (see
/// <see cref="SupportsFreeze"/>): Garnet runs inside the test process.</item>
/// <item><see cref="Stop"/>/<see cref="Restart"/>: the server goes away (connections refused),
/// then comes back on the SAME port, EMPTY (no persistence: <c>--save "" --appendonly no</c>), unless started with
/// <see cref="RedisServers.StartPersistent"/> (redis-server only: an append-only file fsynced on every write);
/// Garnet is in-memory). Works for both.</item>
/// </list>
/// <para>Thread safety: all members may be called from any thread (they take a lock).
/// Dispose kills the redis-server by its own process id and waits for it to exit; redis-server
/// children still alive at process exit are killed too.</para>
/// </remarks>
public sealed partial class RedisServer : IRedisDeployment
{
    private const int SigCont = 18; // Linux x64/arm64
    private const int SigStop = 19;

    private readonly Lock _gate = new();
    private readonly string? _redisServerPath;
    private Process? _process;
    private EmbeddedGarnet? _garnet;
    private ConnectionMultiplexer? _admin;
    private bool _frozen;
    private bool _disposed;
    private readonly StringBuilder _output = new();

    private RedisServer(string name, string? redisServerPath, string? dataDirectory = null, string? clusterDirectory = null)
    {
        Name = name;
        _redisServerPath = redisServerPath;
        _dataDirectory = dataDirectory;
        _clusterDirectory = clusterDirectory;
    }

    /// <summary>Where a persistent redis-server keeps its append-only file; null: nothing is persisted.</summary>
    private readonly string? _dataDirectory;

    /// <summary>Where a cluster node keeps its cluster configuration (nodes.conf); null: not a cluster node.</summary>
    private readonly string? _clusterDirectory;

    /// <summary>"redis" or "garnet".</summary>
    public string Name { get; }

    /// <summary>127.0.0.1 port; stays the same across <see cref="Stop"/>/<see cref="Restart"/>.</summary>
    public int Port { get; private set; }

    /// <summary>StackExchange.Redis configuration: "127.0.0.1:PORT,allowAdmin=true,abortConnect=false".</summary>
    public string ConnectionString => $"127.0.0.1:{Port},allowAdmin=true,abortConnect=false";

    /// <summary>True for "redis" (a child process that can be SIGSTOPped).</summary>
    public bool SupportsFreeze => _redisServerPath is not null;

    /// <summary>Process id of the redis-server child (null for Garnet or when stopped).</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false } p ? p.Id : null;
            }
        }
    }

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _garnet is not null || _process is { HasExited: false };
            }
        }
    }

    /// <summary>True between <see cref="Freeze"/> and <see cref="Thaw"/>.</summary>
    public bool IsFrozen
    {
        get
        {
            lock (_gate)
            {
                return _frozen;
            }
        }
    }

    public override string ToString() => Name; // shows in theory names

    internal static RedisServer StartRedis(string redisServerPath, bool persistent = false)
    {
        var dataDirectory = persistent ? Directory.CreateTempSubdirectory("socialcrm-redis-").FullName : null;
        var server = new RedisServer(RedisServers.Redis, redisServerPath, dataDirectory);
        try
        {
            server.StartOnFreePort();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>A redis-server with <c>--cluster-enabled yes</c> on <paramref name="port"/> (its bus on port + 10000), in no cluster yet.</summary>
    internal static RedisServer StartClusterNode(string redisServerPath, int port)
    {
        var server = new RedisServer(RedisServers.Redis, redisServerPath, clusterDirectory: Directory.CreateTempSubdirectory("socialcrm-redis-cluster-").FullName);
        try
        {
            lock (server._gate)
            {
                server.StartCore(port);
            }
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    internal static RedisServer StartGarnet()
    {
        var server = new RedisServer(RedisServers.Garnet, null);
        try
        {
            server.StartOnFreePort();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>A new connection (the caller disposes it). Short timeouts suit tests.</summary>
    public ConnectionMultiplexer Connect(Action<ConfigurationOptions>? configure = null) => Connect(ConnectionString, configure);

    internal static ConnectionMultiplexer Connect(string connectionString, Action<ConfigurationOptions>? configure)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.ConnectTimeout = 5000;
        options.SyncTimeout = 5000;
        options.AsyncTimeout = 5000;
        configure?.Invoke(options);
        return ConnectionMultiplexer.Connect(options);
    }

    /// <summary>Deletes every key in every database (FLUSHALL), through a shared admin connection.</summary>
    public void FlushAll()
    {
        var admin = Admin();
        admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabases();
    }

    /// <summary>The shared admin connection of this server (do not dispose it).</summary>
    public ConnectionMultiplexer Admin()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _admin ??= Connect();
        }
    }

    /// <summary>SIGSTOP the redis-server: it keeps its data and connections but answers nothing.</summary>
    public void Freeze()
    {
        lock (_gate)
        {
            var pid = RunningPid("freeze");
            Signal(pid, SigStop);
            _frozen = true;
        }
    }

    /// <summary>SIGCONT a frozen redis-server: it answers everything that queued up meanwhile.</summary>
    public void Thaw()
    {
        lock (_gate)
        {
            var pid = RunningPid("thaw");
            Signal(pid, SigCont);
            _frozen = false;
        }
    }

    /// <summary><see cref="Freeze"/> for <paramref name="duration"/>, then <see cref="Thaw"/>.</summary>
    public async Task PauseFor(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        Freeze();
        try
        {
            await Task.Delay(duration, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Thaw();
        }
    }

    /// <summary>Stops the server (connections are refused) and loses its data. Idempotent.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            StopCore();
        }
    }

    /// <summary>Starts the server again on the same port: empty, or, when persistent, with everything it acknowledged. Restarts a running server.</summary>
    public void Restart()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            StopCore();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                try
                {
                    StartCore(Port);
                    return;
                }
                catch (Exception) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(100); // port still held (e.g. our own dying listener)
                }
            }
        }
    }

    public void Dispose()
    {
        ConnectionMultiplexer? admin;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            admin = _admin;
            _admin = null;
            StopCore();
        }

        admin?.Dispose();
        foreach (var directory in new[] { _dataDirectory, _clusterDirectory })
        {
            if (directory is not null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private void StartOnFreePort()
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                lock (_gate)
                {
                    StartCore(FreePort.Next());
                }

                return;
            }
            catch (Exception ex) when (ex is InvalidOperationException or SocketException or IOException)
            {
                last = ex;
            }
        }

        throw new InvalidOperationException($"Could not start {Name} on a free port.", last);
    }

    private void StartCore(int port)
    {
        if (_redisServerPath is null)
        {
            _garnet = EmbeddedGarnet.Start(port);
            Port = port;
            return;
        }

        var psi = new ProcessStartInfo(_redisServerPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[]
                 {
                     "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--bind", "127.0.0.1",
                     "--save", "",
                     // Persistent: every write is fsynced to the append-only file, so a restart keeps everything acknowledged.
                     "--appendonly", _dataDirectory is null ? "no" : "yes",
                     "--appendfsync", "always",
                     "--daemonize", "no",
                     "--protected-mode", "no",
                     "--loglevel", "warning",
                     "--dir", _dataDirectory ?? _clusterDirectory ?? Path.GetTempPath(),
                 })
        {
            psi.ArgumentList.Add(arg);
        }
        if (_clusterDirectory is not null)
        {
            foreach (var arg in new[] { "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000" })
            {
                psi.ArgumentList.Add(arg);
            }
        }

        lock (_output)
        {
            _output.Clear();
        }

        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {_redisServerPath}.");
        }

        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            WaitForPing(port, process, TimeSpan.FromSeconds(10));
        }
        catch
        {
            Kill(process);
            throw;
        }

        _process = process;
        _frozen = false;
        Port = port;
    }

    private void StopCore()
    {
        if (_garnet is { } garnet)
        {
            _garnet = null;
            garnet.Dispose();
        }

        if (_process is { } process)
        {
            _process = null;
            Kill(process);
            _frozen = false;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL: also works on a SIGSTOPped process
            }

            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            ChildProcesses.Untrack(process);
            process.Dispose();
        }
    }

    private int RunningPid(string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!SupportsFreeze)
        {
            throw new NotSupportedException($"{Name} runs in-process and cannot be {what}d; use Stop()/Restart().");
        }

        return _process is { HasExited: false } p
            ? p.Id
            : throw new InvalidOperationException($"{Name} is not running.");
    }

    private static void Signal(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Freeze/Thaw use Linux signal numbers.");
        }

        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 16_384)
            {
                _output.AppendLine(line);
            }
        }
    }

    private void WaitForPing(int port, Process process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var buffer = new byte[64];
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                string output;
                lock (_output)
                {
                    output = _output.ToString();
                }

                throw new InvalidOperationException(
                    $"redis-server exited with {process.ExitCode} on port {port}: {output}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                using var stream = client.GetStream();
                stream.ReadTimeout = 1000;
                stream.Write("*1\r\n$4\r\nPING\r\n"u8);
                var read = stream.Read(buffer, 0, buffer.Length);
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // not listening yet
            }

            Thread.Sleep(20);
        }

        throw new InvalidOperationException($"redis-server did not answer PING on 127.0.0.1:{port} within {timeout}.");
    }

    /// <summary>Kills redis-server children still running when the test process exits.</summary>
    private static class ChildProcesses
    {
        private static readonly Lock Gate = new();
        private static readonly HashSet<Process> Live = [];
        private static bool _hooked;

        public static void Track(Process process)
        {
            lock (Gate)
            {
                Live.Add(process);
                if (!_hooked)
                {
                    _hooked = true;
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
                }
            }
        }

        public static void Untrack(Process process)
        {
            lock (Gate)
            {
                Live.Remove(process);
            }
        }

        private static void KillAll()
        {
            Process[] live;
            lock (Gate)
            {
                live = [.. Live];
                Live.Clear();
            }

            foreach (var process in live)
            {
                try
                {
                    process.Kill();
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
    }
}
