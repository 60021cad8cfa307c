using SocialCrm.Streaming.Testing;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// <c>socialcrm run</c> as its own process against a redis-server set up as a deployment may have it. A user that may
/// not do what the processor does stops start-up (exit 2, naming Redis:User and what is missing, no secret); an
/// eviction policy, the server's own setting, lets it start with a warning that names it.
/// </summary>
public sealed class RedisDeploymentChecksTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_redis_user_without_the_processors_channels_stops_start_up_with_exit_2_naming_the_setting()
    {
        await using var run = await RunAsync(prefix => ["ACL", "SETUSER", "narrow", "on", ">narrow-pa55word", $"~{prefix}:*", "+@all", "-@dangerous"],
            new() { ["Redis:User"] = "narrow", ["Redis:Password"] = "narrow-pa55word" });

        var code = await run.Node.WaitForExitAsync(TimeSpan.FromSeconds(90));

        output.WriteLine(run.Node.Output);
        Assert.Equal(2, code);
        Assert.Contains("the Redis user 'narrow' (Redis:User) may not do what the processor does: ERR The user executing the script can't publish to the channel",
            run.Node.Output, StringComparison.Ordinal);
        Assert.Contains($"ACL SETUSER <user> on ~{run.Prefix}:* &{run.Prefix}:* +@all -@dangerous +info", run.Node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("narrow-pa55word", run.Node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redis_that_may_evict_lets_the_node_start_with_a_warning_naming_its_policy()
    {
        // The default of several managed Redis services; every key the processor writes has a TTL, so it may go.
        await using var run = await RunAsync(_ => ["CONFIG", "SET", "maxmemory-policy", "volatile-lru", "maxmemory", "100mb"], []);

        await run.Node.WaitForOutputAsync("maxmemory-policy volatile-lru with maxmemory 104857600 bytes", TimeSpan.FromSeconds(90));
        await run.Node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var (code, _) = await run.Node.TerminateAndWaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine(run.Node.Output);
        Assert.Equal(0, code);
        Assert.Contains("Set maxmemory-policy noeviction", run.Node.Output, StringComparison.Ordinal);
    }

    /// <summary>A broker and a redis-server of their own, the server set up by one admin command (given the key prefix), and the node.</summary>
    private static async Task<Run> RunAsync(Func<string, object[]> setUp, Dictionary<string, string?> settings)
    {
        var kafka = MockKafkaFixture.WithBrokers(1);
        var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.ForCatalogTopics(kafka, redis);
        var command = setUp(scenario.KeyPrefix);
        using (var admin = redis.Connect())
        {
            await admin.GetDatabase().ExecuteAsync((string)command[0], command[1..]);
        }
        var all = scenario.ProcessSettings();
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        return new Run(kafka, redis, scenario.KeyPrefix, HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, all));
    }

    private sealed record Run(MockKafkaFixture Kafka, RedisServer Redis, string Prefix, HostProcess Node) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Node.DisposeAsync();
            Redis.Dispose();
            Kafka.Dispose();
        }
    }
}
