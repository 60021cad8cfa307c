using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.PeerBenchmark;

/// <summary>The product: <c>socialcrm run</c> as its own process (the built socialcrm.dll), one node, into Debian's redis-server.</summary>
public static class SocialCrmRun
{
    private const string KeyPrefix = "peer";

    public static async Task<(PeerFigure Figure, long Counted)> RunAsync(MockKafkaFixture kafka, string topic, int partitions, TimeSpan timeout)
    {
        using var redis = RedisServers.Start(RedisServers.Redis);
        var group = MockKafkaFixture.UniqueGroup("socialcrm");
        var settings = new Dictionary<string, string?>
        {
            ["Kafka:GroupId"] = group,
            // Commits as often as Streamiz's (commit.interval.ms 100), so the clocks start and stop alike.
            ["Kafka:CommitInterval"] = "00:00:00.100",
            ["Redis:KeyPrefix"] = KeyPrefix,
        };
        await using var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, settings);
        var figure = await CommitWatch.MeasureAsync("socialcrm run", kafka, group, topic, partitions, timeout,
            () => node.HasExited ? $"exited with {node.ExitCode}: {node.Output}" : null).ConfigureAwait(false);
        await node.TerminateAndWaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return (figure, await CountedAsync(redis));
    }

    /// <summary>The sum of the <c>mentions</c> field of every customer hash: each mention counted once, or the comparison is void.</summary>
    private static async Task<long> CountedAsync(RedisServer redis)
    {
        using var connection = redis.Connect();
        var server = connection.GetServer("127.0.0.1", redis.Port);
        var db = connection.GetDatabase();
        var counted = 0L;
        await foreach (var key in server.KeysAsync(pattern: KeyPrefix + ":*:customer:*", pageSize: 1000))
        {
            counted += (long)await db.HashGetAsync(key, "mentions");
        }
        return counted;
    }
}
