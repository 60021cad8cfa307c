using System.Net;
using System.Text;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Testing;
using SocialCrm.Streaming.Testing.Logging;
using SocialCrm.Streaming.Testing.Hostile;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// The built <c>socialcrm run</c> as a process, from outside, as an operator or an attacker sees it: a mock Kafka
/// cluster fed with an ordinary load and every class of hostile record, a separate redis-server in which one
/// customer's key was overwritten with a string. Every valid mention is counted once, every hostile one is in the
/// dead-letter topic with its reason, the node stays ready, and SIGTERM ends it within the drain deadline.
/// </summary>
public sealed class BlackBoxTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan FewSeconds = TimeSpan.FromSeconds(9);

    [Fact]
    public async Task A_hostile_load_is_dead_lettered_with_reasons_the_rest_counted_once_and_the_node_stays_ready_and_stops_on_sigterm()
    {
        using var kafka = MockKafkaFixture.WithBrokers(3);
        using var redis = RedisServers.Start(RedisServers.Redis);
        var scenario = ProcessorScenario.ForCatalogTopics(kafka, redis);
        var ordinary = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 200, Seed = 41, Brands = ["acme", "globex"], CrisisAt = null })
            .Generate(8_000).ToList();
        var hostile = HostileRecords.Load("acme", DateTimeOffset.UtcNow, copies: 4);
        var refused = ordinary.First(r => r.IsValid && r.EntityId!.StartsWith("globex:", StringComparison.Ordinal)).EntityId!;
        using (var connection = redis.Connect())
        {
            await connection.GetDatabase().StringSetAsync(scenario.CustomerKey(refused), "not a hash");
        }
        kafka.Produce(scenario.Topics.Mentions, ordinary.Select(r => (r.Key is null ? null : Encoding.UTF8.GetBytes(r.Key), r.Value, (Confluent.Kafka.Headers?)null))
            .Concat(hostile.Where(h => !h.ToProfiles).Select(h => (h.Key, h.Value!, (Confluent.Kafka.Headers?)null)))
            .OrderBy(r => r.Item2 is null ? 0 : r.Item2.Length % 3));
        kafka.Produce(scenario.Topics.Profiles, hostile.Where(h => h.ToProfiles).Select(h => (h.Key, h.Value!, (Confluent.Kafka.Headers?)null)));
        // A source resending, as a connector restarted from an older position does: mentions of customers with few
        // mentions (a repeat is known among a customer's last 8), produced again after everything else.
        var perCustomer = ordinary.Where(r => r.IsValid).GroupBy(r => r.EntityId!).ToDictionary(g => g.Key, g => g.Count());
        var resent = ordinary.Where(r => r.IsValid && r.EntityId != refused && perCustomer[r.EntityId!] <= 8).Take(200).ToList();
        Assert.Equal(200, resent.Count);
        kafka.Produce(scenario.Topics.Mentions, resent.Select(r => ((byte[]?)Encoding.UTF8.GetBytes(r.Key!), r.Value, (Confluent.Kafka.Headers?)null)));
        var settings = scenario.ProcessSettings();
        settings["Kafka:DrainTimeout"] = DrainTimeout.ToString();
        settings["Tenants:AllowedBrands:0"] = "acme";
        settings["Tenants:AllowedBrands:1"] = "globex";
        settings["Pipeline:EntityFailureAttempts"] = "2";

        await using (var node = HostProcess.StartRun(kafka.BootstrapServers, redis.ConnectionString, settings))
        {
            await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(120));
            var (status, body) = await node.GetAsync("/health/ready");
            Assert.True(status == HttpStatusCode.OK, $"/health/ready {status}: {body}");
            Assert.Equal(HttpStatusCode.OK, (await node.GetAsync("/health/live")).Status);
            var metrics = (await node.GetAsync("/metrics")).Body;
            Assert.Contains($"\nsocialcrm_repeated_mentions_total {resent.Count}\n", metrics, StringComparison.Ordinal);
            var (code, elapsed) = await node.TerminateAndWaitAsync(DrainTimeout + FewSeconds);
            output.WriteLine($"SIGTERM after the hostile load -> exit {code} in {elapsed.TotalSeconds:N1} s");
            Assert.True(code == 0, $"exit {code}; the node's last output: {node.Output[^Math.Min(4000, node.Output.Length)..]}");
            Assert.DoesNotContain("crit", node.Output, StringComparison.OrdinalIgnoreCase);
            // The refused customer gave up, logged by its pseudonym: no line names a customer (topology/privacy.md).
            var customers = ordinary.Where(r => r.IsValid).Select(r => r.EntityId!).Concat(hostile.Where(h => h.IsValid).Select(h => h.EntityId!)).ToHashSet();
            Assert.Contains("gave up", node.Output, StringComparison.Ordinal);
            Assert.Empty(CollectedLog.LinesNaming(node.Output.Split('\n'), customers));
        }

        var deadLetters = kafka.ReadAll(scenario.Topics.DeadLetter, SocialCrm.Streaming.Kafka.Topology.TopicCatalog.LoadDefault().DeadLetter.Partitions, TimeSpan.FromSeconds(10));
        var actual = deadLetters.GroupBy(d => d.Header(DeadLetterPublisher.ReasonHeader)!).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", actual.OrderBy(r => r.Key).Select(r => $"{r.Key}: {r.Value}")));
        var expected = hostile.Where(h => !h.IsValid).Select(h => h.ExpectedReason!)
            .Concat(ordinary.Where(r => r.EntityId == refused).Select(_ => RejectReason.EntityFailed.ToWire()))
            .Concat(ordinary.Where(r => !r.IsValid).Select(r => r.ExpectedRejection!))
            .GroupBy(reason => reason).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expected.OrderBy(r => r.Key), actual.OrderBy(r => r.Key));

        var counted = ordinary.Where(r => r.IsValid && r.EntityId != refused).Select(r => r.EntityId!)
            .Concat(hostile.Where(h => h.IsValid).Select(h => h.EntityId!))
            .GroupBy(id => id).ToDictionary(g => g.Key, g => (long)g.Count());
        using (var connection = redis.Connect())
        {
            // The refused customer's key is as the other writer left it; then out of the way of reading every count.
            var key = scenario.CustomerKey(refused);
            Assert.Equal("not a hash", (string?)await connection.GetDatabase().StringGetAsync(key));
            await connection.GetDatabase().KeyDeleteAsync(key);
        }
        var counts = await scenario.ReadMentionCountsAsync();
        Assert.Equal(counted.OrderBy(c => c.Key), counts.OrderBy(c => c.Key));
    }
}
