using System.Globalization;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Testing;

/// <summary>
/// A Redis Cluster of Debian's redis-server for tests: <see cref="Start"/> starts each master as a child process
/// (<c>--cluster-enabled yes</c>) on a free 127.0.0.1 port whose cluster bus port (port + 10000) is free too, gives
/// each an equal share of the 16384 hash slots (CLUSTER ADDSLOTSRANGE), introduces them (CLUSTER MEET) and waits
/// until every node reports <c>cluster_state:ok</c>. Dispose kills every node by its process id.
/// </summary>
public sealed class RedisCluster : IRedisDeployment
{
    private const int Slots = 16384;
    private const int BusPortOffset = 10000;

    /// <summary>Node ports are drawn below the ephemeral range (32768 and up), so port + 10000 is a valid port and rarely taken.</summary>
    private const int LowestPort = 12000;
    private const int HighestPort = 22000;

    private readonly List<RedisServer> _nodes;

    private RedisCluster(List<RedisServer> nodes) => _nodes = nodes;

    public IReadOnlyList<RedisServer> Nodes => _nodes;

    /// <summary>Process ids of the redis-server nodes.</summary>
    public IReadOnlyList<int?> ProcessIds => [.. _nodes.Select(n => n.ProcessId)];

    public string ConnectionString =>
        string.Join(',', _nodes.Select(n => "127.0.0.1:" + n.Port.ToString(CultureInfo.InvariantCulture))) + ",allowAdmin=true,abortConnect=false";

    public ConnectionMultiplexer Connect(Action<ConfigurationOptions>? configure = null) => RedisServer.Connect(ConnectionString, configure);

    /// <summary>Starts <paramref name="masters"/> masters without replicas and waits until the cluster serves every slot.</summary>
    public static RedisCluster Start(int masters = 3)
    {
        var path = RedisServers.RedisServerPath
            ?? throw new InvalidOperationException("redis-server is not on PATH (apt-get install -y redis-server, or set REDIS_SERVER).");
        var nodes = new List<RedisServer>();
        var cluster = new RedisCluster(nodes);
        try
        {
            for (var i = 0; i < masters; i++)
            {
                nodes.Add(StartNode(path, nodes));
            }
            cluster.Form(TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    private static RedisServer StartNode(string path, List<RedisServer> started)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var port = Random.Shared.Next(LowestPort, HighestPort);
            if (started.Any(n => Math.Abs(n.Port - port) == BusPortOffset || n.Port == port) || !FreePort.IsFree(port) || !FreePort.IsFree(port + BusPortOffset))
            {
                continue;
            }
            try
            {
                return RedisServer.StartClusterNode(path, port);
            }
            catch (InvalidOperationException ex)
            {
                last = ex; // taken meanwhile: another port
            }
        }
        throw new InvalidOperationException("Could not start a redis-server cluster node on a free port pair (port, port + 10000).", last);
    }

    private void Form(TimeSpan timeout)
    {
        var first = _nodes[0];
        for (var i = 0; i < _nodes.Count; i++)
        {
            var server = Admin(_nodes[i]);
            var from = Slots * i / _nodes.Count;
            var to = Slots * (i + 1) / _nodes.Count - 1;
            server.Execute("CLUSTER", "ADDSLOTSRANGE", from, to);
            if (i > 0)
            {
                server.Execute("CLUSTER", "MEET", "127.0.0.1", first.Port);
            }
        }
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var states = _nodes.Select(n => Admin(n).Execute("CLUSTER", "INFO").ToString()).ToList();
            if (states.All(info => info.Contains("cluster_state:ok", StringComparison.Ordinal)
                && info.Contains($"cluster_known_nodes:{_nodes.Count}", StringComparison.Ordinal)
                && info.Contains($"cluster_slots_ok:{Slots}", StringComparison.Ordinal)))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("The Redis Cluster did not reach cluster_state:ok: " + string.Join(" | ", states.Select(s => s.ReplaceLineEndings(" "))));
            }
            Thread.Sleep(100);
        }
    }

    private static IServer Admin(RedisServer node)
    {
        // This node's own server: a connection to a cluster node learns of the others too.
        return node.Admin().GetServer("127.0.0.1", node.Port);
    }
}
