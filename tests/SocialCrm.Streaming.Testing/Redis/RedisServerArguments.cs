using System.Globalization;

namespace SocialCrm.Streaming.Testing;

/// <summary>The command line of a test redis-server: loopback only, no snapshots, quiet logs.</summary>
internal static class RedisServerArguments
{
    /// <summary>
    /// The arguments for a redis-server on <paramref name="port"/>: persistent when <paramref name="dataDirectory"/> is
    /// given, a cluster node (<c>--cluster-enabled yes</c>, nodes.conf in <paramref name="clusterDirectory"/>) when that is.
    /// </summary>
    public static List<string> For(int port, string? dataDirectory, string? clusterDirectory)
    {
        List<string> arguments =
        [
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            // Persistent: every write is fsynced to the append-only file, so a restart keeps everything acknowledged.
            "--appendonly", dataDirectory is null ? "no" : "yes",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--protected-mode", "no",
            "--loglevel", "warning",
            "--dir", dataDirectory ?? clusterDirectory ?? Path.GetTempPath(),
        ];
        if (clusterDirectory is not null)
        {
            arguments.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"]);
        }

        return arguments;
    }
}
