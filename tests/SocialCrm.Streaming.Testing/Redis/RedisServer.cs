using System.Net.Sockets;
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
public sealed class RedisServer : IRedisDeployment
{
    private readonly Lock _gate = new();
    private readonly string? _redisServerPath;
    private RedisServerProcess? _process;
    private EmbeddedGarnet? _garnet;
    private ConnectionMultiplexer? _admin;
    private bool _frozen;
    private bool _disposed;

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
        return Started(new RedisServer(RedisServers.Redis, redisServerPath, dataDirectory), server => server.StartOnFreePort());
    }

    /// <summary>A redis-server with <c>--cluster-enabled yes</c> on <paramref name="port"/> (its bus on port + 10000), in no cluster yet.</summary>
    internal static RedisServer StartClusterNode(string redisServerPath, int port) =>
        Started(
            new RedisServer(RedisServers.Redis, redisServerPath, clusterDirectory: Directory.CreateTempSubdirectory("socialcrm-redis-cluster-").FullName),
            server =>
            {
                lock (server._gate)
                {
                    server.StartCore(port);
                }
            });

    internal static RedisServer StartGarnet() => Started(new RedisServer(RedisServers.Garnet, null), server => server.StartOnFreePort());

    /// <summary><paramref name="server"/> after <paramref name="start"/>; disposed (its directories deleted) when that throws.</summary>
    private static RedisServer Started(RedisServer server, Action<RedisServer> start)
    {
        try
        {
            start(server);
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
            RunningProcess("freeze").Freeze();
            _frozen = true;
        }
    }

    /// <summary>SIGCONT a frozen redis-server: it answers everything that queued up meanwhile.</summary>
    public void Thaw()
    {
        lock (_gate)
        {
            RunningProcess("thaw").Thaw();
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

        _process = RedisServerProcess.Start(_redisServerPath, port, _dataDirectory, _clusterDirectory);
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
            process.Kill();
            _frozen = false;
        }
    }

    private RedisServerProcess RunningProcess(string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!SupportsFreeze)
        {
            throw new NotSupportedException($"{Name} runs in-process and cannot be {what}d; use Stop()/Restart().");
        }

        return _process is { HasExited: false } p
            ? p
            : throw new InvalidOperationException($"{Name} is not running.");
    }
}
