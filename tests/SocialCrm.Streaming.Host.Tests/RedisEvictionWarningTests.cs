using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// <c>socialcrm run</c> as its own process against a redis-server that drops keys when full: the eviction policy is the
/// server's setting, so start-up goes on, with a warning that names it.
/// </summary>
public sealed class RedisEvictionWarningTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_against_a_redis_that_may_evict_warns_at_start_up_naming_its_policy()
    {
        using var kafka = MockKafkaFixture.WithBrokers(1);
        using var redis = RedisServers.Start(RedisServers.Redis);
        using (var admin = redis.Connect())
        {
            var db = admin.GetDatabase();
            // The default of several managed Redis services; every key the processor writes has a TTL, so it may go.
            await db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "volatile-lru");
            await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "100mb");
        }
        var scenario = ProcessorScenario.ForCatalogTopics(kafka, redis);

        await using var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, scenario.ProcessSettings());
        await node.WaitForOutputAsync("maxmemory-policy volatile-lru with maxmemory 104857600 bytes", TimeSpan.FromSeconds(90));
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var (code, _) = await node.TerminateAndWaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine(node.Output);
        Assert.Equal(0, code);
        Assert.Contains("Set maxmemory-policy noeviction", node.Output, StringComparison.Ordinal);
    }
}
