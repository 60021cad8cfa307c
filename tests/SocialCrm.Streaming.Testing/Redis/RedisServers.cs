using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace SocialCrm.Streaming.Testing;

/// <summary>
/// The Redis-protocol servers tests run against: "redis" (Debian's redis-server, when on PATH)
/// and "garnet" (in-process, always).
/// </summary>
/// <example>
/// <code>
/// [Collection(RedisServersFixture.Collection)]   // + a [CollectionDefinition] in your test assembly
/// public sealed class MyTests(RedisServersFixture servers)
/// {
///     [RedisTheory]
///     [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
///     public void Works(string server) { var s = servers.Get(server); ... }
/// }
/// </code>
/// With <see cref="RedisTheoryAttribute"/> a server that cannot start here is reported as a
/// SKIPPED row naming the reason; with a plain [Theory] use <see cref="Available"/> instead.
/// </example>
public static class RedisServers
{
    public const string Redis = "redis";
    public const string Garnet = "garnet";

    /// <summary>Environment variable: path of the redis-server binary (default: found on PATH).</summary>
    public const string RedisServerPathVariable = "REDIS_SERVER";

    /// <summary>Environment variable: when "1"/"true" (or CI=true), a missing redis-server FAILS the
    /// "redis" rows instead of skipping them.</summary>
    public const string RequireRedisVariable = "SOCIALCRM_REQUIRE_REDIS";

    private static readonly Lazy<string?> RedisPath = new(FindRedisServer);

    /// <summary>Every server name, for [RedisTheory] + MemberData.</summary>
    public static TheoryData<string> All => new() { Redis, Garnet };

    /// <summary>Only the servers this machine can start, for a plain [Theory] + MemberData.</summary>
    public static TheoryData<string> Available
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in new[] { Redis, Garnet })
            {
                if (IsAvailable(name))
                {
                    data.Add(name);
                }
            }

            return data;
        }
    }

    /// <summary>Full path of redis-server, or null when it is not installed.</summary>
    public static string? RedisServerPath => RedisPath.Value;

    public static bool IsAvailable(string name) => name switch
    {
        Redis => RedisServerPath is not null,
        Garnet => true,
        _ => false,
    };

    /// <summary>Why the rows for <paramref name="name"/> are skipped here, or null to run them.</summary>
    public static string? SkipReason(string name)
    {
        if (name != Redis || RedisServerPath is not null || Required())
        {
            return null;
        }

        return "redis-server is not on PATH (install it: apt-get install -y redis-server; or set REDIS_SERVER)";
    }

    /// <summary>Starts a dedicated server (for fault tests); the caller disposes it.</summary>
    public static RedisServer Start(string name) => name switch
    {
        Redis => RedisServer.StartRedis(RedisServerPath
            ?? throw new InvalidOperationException("redis-server is not on PATH (apt-get install -y redis-server, or set REDIS_SERVER).")),
        Garnet => RedisServer.StartGarnet(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Known servers: redis, garnet."),
    };

    /// <summary>A dedicated redis-server whose <see cref="RedisServer.Restart"/> keeps the data (append-only file, fsync always).</summary>
    public static RedisServer StartPersistent() => RedisServer.StartRedis(RedisServerPath
        ?? throw new InvalidOperationException("redis-server is not on PATH (apt-get install -y redis-server, or set REDIS_SERVER)."), persistent: true);

    private static bool Required()
    {
        static bool Truthy(string? v) => v is not null && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));
        return Truthy(Environment.GetEnvironmentVariable(RequireRedisVariable)) || Truthy(Environment.GetEnvironmentVariable("CI"));
    }

    private static string? FindRedisServer()
    {
        var configured = Environment.GetEnvironmentVariable(RedisServerPathVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? Path.GetFullPath(configured) : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "redis-server.exe" : "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        // Debian installs it in /usr/bin, which a minimal PATH might lack.
        return File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null;
    }
}

/// <summary>
/// A [Theory] whose rows are Redis server names (first argument): rows for servers this machine
/// cannot start are reported as skipped with the reason, not silently dropped or passed.
/// </summary>
[XunitTestCaseDiscoverer("SocialCrm.Streaming.Testing.RedisTheoryDiscoverer", "SocialCrm.Streaming.Testing")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RedisTheoryAttribute : TheoryAttribute
{
}

/// <summary>Discoverer of <see cref="RedisTheoryAttribute"/>.</summary>
public sealed class RedisTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow)
    {
        if (dataRow.Length > 0 && RedisServers.SkipReason(dataRow[0]?.ToString() ?? "") is { } reason)
        {
            return CreateTestCasesForSkippedDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow, reason);
        }

        return base.CreateTestCasesForDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow);
    }
}

/// <summary>
/// Collection fixture: starts each server lazily, once per test collection (so once per run
/// when every Redis test is in <see cref="Collection"/>), and disposes them — the redis-server
/// child is killed by its process id. Declare in the test assembly:
/// <code>[CollectionDefinition(RedisServersFixture.Collection)] public sealed class RedisServersCollection : ICollectionFixture&lt;RedisServersFixture&gt;;</code>
/// Shared servers are for ordinary tests; fault tests (Freeze, Stop) should use
/// <see cref="RedisServers.Start"/> for a private one.
/// </summary>
public sealed class RedisServersFixture : IDisposable
{
    public const string Collection = "redis-servers";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lazy<RedisServer>> _servers = [];
    private bool _disposed;

    /// <summary>The shared server named <paramref name="name"/>, started on first use.</summary>
    public RedisServer Get(string name)
    {
        Lazy<RedisServer> lazy;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_servers.TryGetValue(name, out lazy!))
            {
                lazy = new Lazy<RedisServer>(() => RedisServers.Start(name), LazyThreadSafetyMode.ExecutionAndPublication);
                _servers[name] = lazy;
            }
        }

        return lazy.Value;
    }

    /// <summary>The shared server, flushed (FLUSHALL) for a clean start.</summary>
    public RedisServer GetClean(string name)
    {
        var server = Get(name);
        server.FlushAll();
        return server;
    }

    public void Dispose()
    {
        List<Lazy<RedisServer>> servers;
        lock (_gate)
        {
            _disposed = true;
            servers = [.. _servers.Values];
            _servers.Clear();
        }

        foreach (var lazy in servers)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
            }
        }
    }
}
