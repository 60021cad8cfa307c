using System.Text.Json;
using Akka.Actor;
using Confluent.Kafka;
using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Brand counts reach their monitor once each although reports or answers are lost on the way (a monitor's node
/// crashing, a shard moving): a real monitor entity saving to a real Redis-protocol server, fed by the node's
/// reporter through a link that loses what the test tells it to.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class BrandReportTests(RedisServersFixture servers, MockKafkaFixture kafka) : IClassFixture<MockKafkaFixture>, IAsyncLifetime
{
    private const string Brand = "acme";
    private const string Node = "akka.tcp://socialcrm@10.0.0.7:4053#77";
    private static readonly DateTimeOffset Minute = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly ActorSystem _system = ActorSystem.Create("brand-reports");
    private readonly List<IDisposable> _resources = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _system.Terminate();
        _resources.ForEach(resource => resource.Dispose());
    }

    /// <summary>Drops the reports and swallows the answers it is told to, forwards the rest as they are.</summary>
    private sealed class LossyLink(IActorRef monitor, int reportsToDrop, int answersToSwallow) : UntypedActor
    {
        private int _reportsToDrop = reportsToDrop;
        private int _answersToSwallow = answersToSwallow;

        protected override void OnReceive(object message)
        {
            if (message is ObserveBrandCounts report)
            {
                if (_reportsToDrop-- > 0)
                {
                    return;
                }
                if (_answersToSwallow-- > 0)
                {
                    monitor.Tell(report, Self);
                    return;
                }
                monitor.Forward(report);
            }
        }
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Reports_lost_on_the_way_are_sent_again_and_counted_once(string server)
    {
        var (dependencies, store) = Monitor(server);
        var monitor = _system.ActorOf(BrandMonitorEntity.Props(Brand, dependencies));
        var link = _system.ActorOf(Props.Create(() => new LossyLink(monitor, 2, 2)));
        var volume = new BrandVolumeAggregator();
        volume.Track([0]);
        var stats = new PipelineStats();
        var reporter = new BrandReporter(volume, link, Node, TimeSpan.FromMilliseconds(300), stats);

        for (var second = 0; second < 40; second++)
        {
            volume.Add(MentionAt(second), new MentionObservation(second % 3 == 0 ? SentimentClass.Negative : SentimentClass.Neutral, MayQuote: true), 0);
            if (second % 10 == 9)
            {
                reporter.Report();
            }
        }
        Assert.True(await reporter.FlushAsync(TimeSpan.FromSeconds(20)), "every report answered");

        Assert.Equal(4, stats.BrandReportsResent);
        Assert.Equal((14, 26), await OpenCountsAsync(store));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_monitor_restarted_from_its_saved_state_knows_which_reports_it_applied(string server)
    {
        var (dependencies, store) = Monitor(server);
        var first = _system.ActorOf(BrandMonitorEntity.Props(Brand, dependencies));
        var report = Report(sequence: 1, negative: 5, neutral: 1);
        await first.Ask<BrandCountsObserved>(report, TimeSpan.FromSeconds(10));
        await first.GracefulStop(TimeSpan.FromSeconds(10));

        var restarted = _system.ActorOf(BrandMonitorEntity.Props(Brand, dependencies));
        await restarted.Ask<BrandCountsObserved>(report, TimeSpan.FromSeconds(10));
        await restarted.Ask<BrandCountsObserved>(Report(sequence: 2, negative: 1, neutral: 0), TimeSpan.FromSeconds(10));
        await restarted.Ask<BrandCountsObserved>(Report(sequence: 1, negative: 1, neutral: 0) with { Node = "akka.tcp://socialcrm@10.0.0.7:4053#78" }, TimeSpan.FromSeconds(10));

        Assert.Equal((7, 1), await OpenCountsAsync(store));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_rule_change_rebuilds_the_detector_keeping_its_counts_and_applied_reports(string server)
    {
        var (dependencies, store) = Monitor(server);
        var monitor = _system.ActorOf(BrandMonitorEntity.Props(Brand, dependencies));
        await monitor.Ask<BrandCountsObserved>(Report(sequence: 1, negative: 5, neutral: 1), TimeSpan.FromSeconds(10));

        var changed = new RulesOptions();
        changed.Brands[Brand] = new BrandRules { VolumeMinNegative = 50 };
        dependencies.Rules.Replace(SocialCrm.Streaming.Cluster.Rules.AppliedRules.Of(changed));
        await monitor.Ask<BrandCountsObserved>(Report(sequence: 1, negative: 5, neutral: 1), TimeSpan.FromSeconds(10));
        await monitor.Ask<BrandCountsObserved>(Report(sequence: 2, negative: 2, neutral: 0), TimeSpan.FromSeconds(10));

        Assert.Equal((7, 1), await OpenCountsAsync(store));
    }

    /// <summary>
    /// Saved state that can never be read (a key of another type, a value that is not the monitor's) must not silence
    /// the brand: a hash at the key made every load fail on redis-server, retried for good, with the reports stashed.
    /// </summary>
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_saved_state_that_can_never_be_read_starts_the_monitor_afresh_and_its_next_save_replaces_it(string server)
    {
        Func<IDatabase, string, Task>[] unreadable =
        [
            (db, key) => db.HashSetAsync(key, "monitor", "a hash"),
            (db, key) => db.ListRightPushAsync(key, "a list"),
            (db, key) => db.StringSetAsync(key, "not the monitor's state"),
        ];
        foreach (var write in unreadable)
        {
            var (dependencies, store) = Monitor(server);
            var db = servers.Get(server).Connect();
            _resources.Add(db);
            var key = store.Keys.BrandMonitor(Brand);
            await write(db.GetDatabase(), key);
            var monitor = _system.ActorOf(BrandMonitorEntity.Props(Brand, dependencies));

            await monitor.Ask<BrandCountsObserved>(Report(sequence: 1, negative: 5, neutral: 1), TimeSpan.FromSeconds(10));

            Assert.Equal((5, 1), await OpenCountsAsync(store));
        }
    }

    private static ObserveBrandCounts Report(long sequence, int negative, int neutral) =>
        new(Brand, [new BrandMinuteCounts(Brand, BrandMonitor.MinuteOf(Minute), negative, neutral, 0)], BrandMonitor.MinuteOf(Minute), Node, sequence);

    private static Mention MentionAt(int second) => new()
    {
        Id = $"m{second}",
        Platform = Platform.X,
        Brand = Brand,
        Author = new Author("a"),
        Text = "late again",
        CreatedAt = Minute.AddSeconds(second),
    };

    private (BrandMonitorDependencies Dependencies, RedisCustomerStore Store) Monitor(string server)
    {
        var connection = servers.Get(server).Connect();
        var producer = new ProducerBuilder<byte[]?, byte[]>(kafka.ProducerConfig()).Build();
        _resources.Add(connection);
        _resources.Add(producer);
        var store = new RedisCustomerStore(connection, new RedisStoreOptions { KeyPrefix = "t" + Guid.NewGuid().ToString("N")[..8] });
        var publisher = new KafkaSignalPublisher(producer, kafka.CreateUniqueTopic("crisis", 1), kafka.CreateUniqueTopic("lifecycle", 1));
        return (new BrandMonitorDependencies(new SocialCrm.Streaming.Cluster.Rules.LiveRules(new RulesOptions()), store, publisher), store);
    }

    /// <summary>The negative and other mentions in the saved state's open minutes (this test's minute is never closed).</summary>
    private static async Task<(int Negative, int Other)> OpenCountsAsync(RedisCustomerStore store)
    {
        var saved = await store.LoadBrandMonitorAsync(Brand, CancellationToken.None);
        Assert.NotNull(saved);
        using var json = JsonDocument.Parse(saved);
        var open = json.RootElement.GetProperty("monitor").GetProperty("brands")[0].GetProperty("open").EnumerateArray().ToList();
        return (open.Sum(o => o.GetProperty("negative").GetInt32()), open.Sum(o => o.GetProperty("neutral").GetInt32() + o.GetProperty("positive").GetInt32()));
    }
}
