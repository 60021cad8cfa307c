using System.Diagnostics;
using SocialCrm.Streaming.Redis.Embedded;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Redis.Tests.Embedded;

/// <summary>Start/stop/freeze of dedicated servers (not the shared ones).</summary>
public sealed class RedisServerLifecycleTests
{
    private static bool ProcessAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public void Stop_refuses_connections_and_restart_comes_back_empty_on_the_same_port(string server)
    {
        using var s = RedisServers.Start(server);
        var port = s.Port;
        using (var redis = s.Connect())
        {
            redis.GetDatabase().StringSet("k", "v");
        }

        s.Stop();
        Assert.False(s.IsRunning);
        Assert.True(FreePort.IsFree(port));
        Assert.Throws<RedisConnectionException>(() => ConnectionMultiplexer.Connect($"127.0.0.1:{port},abortConnect=true,connectTimeout=500").Dispose());

        s.Restart();
        Assert.Equal(port, s.Port);
        Assert.True(s.IsRunning);
        using var again = s.Connect();
        Assert.False(again.GetDatabase().KeyExists("k"));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public void Dispose_releases_the_port_and_the_process(string server)
    {
        var s = RedisServers.Start(server);
        var port = s.Port;
        var pid = s.ProcessId;
        Assert.Equal(server == RedisServers.Redis, pid.HasValue);
        if (pid is { } id)
        {
            Assert.True(ProcessAlive(id));
        }

        s.Dispose();
        s.Dispose();
        Assert.True(FreePort.IsFree(port));
        if (pid is { } gone)
        {
            Assert.False(ProcessAlive(gone), $"redis-server {gone} still running");
        }

        Assert.Throws<ObjectDisposedException>(s.FlushAll);
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public void Freeze_is_only_for_the_redis_process(string server)
    {
        using var s = RedisServers.Start(server);
        Assert.Equal(server == RedisServers.Redis, s.SupportsFreeze);
        if (!s.SupportsFreeze)
        {
            Assert.Throws<NotSupportedException>(s.Freeze);
        }
    }

    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task Freeze_keeps_data_and_connections_while_requests_stall(string server)
    {
        using var s = RedisServers.Start(server);
        using var redis = s.Connect(o => o.SyncTimeout = o.AsyncTimeout = 500);
        var db = redis.GetDatabase();
        await db.HashSetAsync("customer", "mentions", 41);

        s.Freeze();
        Assert.True(s.IsFrozen);
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RedisTimeoutException>(() => db.HashIncrementAsync("customer", "mentions"));
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(400), $"timed out after {sw.Elapsed}");
        s.Thaw();

        // The stalled increment is applied once the server resumes (the client only gave up waiting).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long value = 0;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                value = (long)await db.HashGetAsync("customer", "mentions");
                break;
            }
            catch (RedisTimeoutException)
            {
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(42, value);

        await s.PauseFor(TimeSpan.FromMilliseconds(300));
        Assert.False(s.IsFrozen);
        Assert.Equal(42, (long)await db.HashGetAsync("customer", "mentions"));
    }

    [Fact]
    public void Embedded_garnet_on_a_chosen_port()
    {
        var port = FreePort.Next();
        using var garnet = EmbeddedGarnet.Start(port);
        Assert.Equal(port, garnet.Port);
        Assert.Contains($"127.0.0.1:{port}", garnet.ConnectionString, StringComparison.Ordinal);
        using var redis = ConnectionMultiplexer.Connect(garnet.ConnectionString);
        Assert.Equal("PONG", redis.GetDatabase().Execute("PING").ToString());
        Assert.ThrowsAny<Exception>(() => EmbeddedGarnet.Start(port).Dispose()); // port taken
    }

    [Fact]
    public void Skip_reason_names_the_missing_binary_only_for_redis()
    {
        Assert.Null(RedisServers.SkipReason(RedisServers.Garnet));
        Assert.Contains(RedisServers.Garnet, RedisServers.Available.Cast<object[]>().Select(row => (string)row[0]));
        if (RedisServers.RedisServerPath is not null)
        {
            Assert.Null(RedisServers.SkipReason(RedisServers.Redis));
        }
    }
}
