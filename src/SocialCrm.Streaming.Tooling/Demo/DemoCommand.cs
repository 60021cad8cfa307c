using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Embedded;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Kafka.Topology;
using SocialCrm.Streaming.Redis.Embedded;

namespace SocialCrm.Streaming.Host.Demo;

/// <summary>
/// <c>socialcrm demo</c>: the whole product on embedded parts — a 3-broker librdkafka mock cluster, an
/// in-process Garnet, the synthetic generator with a scripted crisis and churners, and one processor
/// node — with a live view of what happens.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var duration = CommandRunner.DurationOption("--duration", "Stop by itself after this long (e.g. 20s); default: run until Ctrl+C", atLeast: "1s");
        var rate = new Option<double>("--rate") { Description = "Mentions per second to generate (0 = as fast as the node keeps up)", DefaultValueFactory = _ => 2_000 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Port of /metrics and /health (0 = an ephemeral port on 127.0.0.1)", DefaultValueFactory = _ => 0 };
        var logFormat = CommandRunner.LogFormatOption();
        var clusterPort = new Option<int>("--cluster-port") { Description = "Akka remoting port of the demo's node, so `socialcrm run` processes can join its cluster (--seed-nodes 127.0.0.1:PORT); 0 = a cluster of one", DefaultValueFactory = _ => 0 };
        var customers = new Option<int>("--customers") { Description = "Customers per brand", DefaultValueFactory = _ => 2_500 };
        var consolePort = new Option<int>("--console-port") { Description = "Port of the care console (0 = an ephemeral port on 127.0.0.1)", DefaultValueFactory = _ => 0 };
        var timeLapse = new Option<double>("--time-lapse") { Description = "Event time runs this many times faster than the wall clock, so minute-based detectors have minutes to look at", DefaultValueFactory = _ => 60 };
        var command = new Command("demo", "Run the processor on embedded Kafka and Redis with synthetic mentions and a live view")
        {
            duration, rate, metricsPort, customers, timeLapse, logFormat, clusterPort, consolePort,
        };
        clusterPort.Validators.Add(result => { if (result.GetValueOrDefault<int>() is < 0 or > 65535) result.AddError("--cluster-port must be within 0..65535"); });
        consolePort.Validators.Add(result => { if (result.GetValueOrDefault<int>() is < 0 or > 65535) result.AddError("--console-port must be within 0..65535"); });
        CommandRunner.Require(rate, value => value >= 0, "--rate must be a number >= 0");
        customers.Validators.Add(result => { if (result.GetValueOrDefault<int>() < 1) result.AddError("--customers must be >= 1"); });
        CommandRunner.Require(timeLapse, value => value > 0, "--time-lapse must be a number > 0");
        command.SetAction((parse, cancellationToken) => CommandRunner.Guard(() => RunAsync(new DemoSettings(
            parse.GetResult(duration) is null ? null : parse.GetValue(duration),
            parse.GetValue(rate),
            parse.GetValue(metricsPort),
            parse.GetValue(customers),
            parse.GetValue(timeLapse),
            parse.GetValue(logFormat),
            parse.GetValue(clusterPort),
            parse.GetValue(consolePort)), cancellationToken)));
        return command;
    }

    /// <summary>
    /// Mentions the generator may be ahead of the node: far less than the embedded broker keeps (5 MiB per partition,
    /// about 190,000 mentions over 12 partitions), so none is dropped unread, and some 5 windows of the pipeline, so the
    /// node never waits for the generator.
    /// </summary>
    private const long MaxAheadOfNode = 20_000;

    private sealed record DemoSettings(TimeSpan? Duration, double Rate, int MetricsPort, int CustomersPerBrand, double TimeLapse, string? LogFormat, int ClusterPort, int ConsolePort);

    private static async Task<int> RunAsync(DemoSettings settings, CancellationToken cancellationToken)
    {
        // Before the embedded parts take seconds to start: a second demo on the same ports stops at once, naming the flag.
        ListeningPorts.RequireFree(
        [
            new("--metrics-port", "0.0.0.0", settings.MetricsPort),
            new("--cluster-port", "0.0.0.0", settings.ClusterPort),
            new("--console-port", "127.0.0.1", settings.ConsolePort),
        ]);
        var catalog = TopicCatalog.LoadDefault();
        Console.WriteLine("Starting embedded Kafka (librdkafka mock cluster, 3 brokers) and Redis (Garnet)...");
        using var kafka = MockKafkaCluster.Start(3);
        foreach (var topic in catalog.Topics)
        {
            kafka.CreateTopic(topic.Name, topic.Partitions);
        }
        using var garnet = EmbeddedGarnet.Start();
        var configuration = ConfigurationLoader.Build(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Redis:Configuration"] = garnet.ConnectionString,
            ["Cluster:Hostname"] = "127.0.0.1",
            ["Cluster:Port"] = settings.ClusterPort.ToString(CultureInfo.InvariantCulture),
            // With a fixed port the demo's node is the seed that other processes join.
            ["Cluster:SeedNodes"] = settings.ClusterPort > 0 ? $"127.0.0.1:{settings.ClusterPort}" : "",
            ["Metrics:Port"] = settings.MetricsPort.ToString(CultureInfo.InvariantCulture),
            ["Logging:Console:FormatterName"] = settings.LogFormat,
        });
        Console.WriteLine($"Kafka bootstrap servers: {kafka.BootstrapServers}");
        Console.WriteLine($"Redis: {garnet.ConnectionString}");
        if (settings.ClusterPort > 0)
        {
            Console.WriteLine($"Cluster seed node: 127.0.0.1:{settings.ClusterPort} (join with: socialcrm run --kafka {kafka.BootstrapServers} " +
                $"--redis {garnet.ConnectionString} --port <free port> --seed-nodes 127.0.0.1:{settings.ClusterPort} --metrics-port <free port>)");
        }
        await using var node = ProcessorNode.FromConfiguration(configuration, catalog, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await node.StartAsync(cancellationToken).ConfigureAwait(false);
        using var view = await LiveView.StartAsync(garnet.ConnectionString, node.Options.Redis.KeyPrefix).ConfigureAwait(false);
        // The care console, signed in as a demo agent for every brand; disposed (stopped) when the demo returns.
        var (careConsole, consoleUrl) = await DemoConsole.StartAsync(garnet.ConnectionString, node.Options.Redis.KeyPrefix, new GeneratorOptions().Brands, settings.ConsolePort, cancellationToken).ConfigureAwait(false);
        await using var stopConsole = careConsole;
        Console.WriteLine($"Console: {consoleUrl}");

        var expectedSeconds = settings.Duration?.TotalSeconds ?? 60;
        var ratePerSecond = settings.Rate > 0 ? settings.Rate : 20_000;
        var generator = new MentionGenerator(new GeneratorOptions
        {
            CustomersPerBrand = settings.CustomersPerBrand,
            MalformedShare = 0.005,
            // Event time runs faster than the wall clock: it starts in the past so that it reaches now no sooner than
            // the demo ends (or after an hour), since mentions from the future are dead-lettered (Pipeline:MaxEventTimeSkew).
            Start = DateTimeOffset.UtcNow - TimeSpan.FromSeconds((settings.Duration?.TotalSeconds ?? 3600) * settings.TimeLapse),
            EventInterval = TimeSpan.FromSeconds(settings.TimeLapse / ratePerSecond),
            // Late enough for the brand baselines to have their minutes, early enough to be seen.
            CrisisAt = (long)(ratePerSecond * expectedSeconds * 0.6),
            CrisisLength = (int)Math.Max(500, ratePerSecond * 3),
        });
        using var producer = KafkaProducerFactory.Create(kafka.BootstrapServers);
        var records = new RecordProducer(producer, catalog.Mentions.Name);

        // Ctrl+C, SIGTERM, the duration, or the node stopping itself: the generator stops first, then the node.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, node.StoppedItself);
        if (settings.Duration is { } duration)
        {
            stop.CancelAfter(duration);
        }
        Console.WriteLine($"Processing. Generating {(settings.Rate > 0 ? $"{settings.Rate:N0} mentions/s" : "as fast as the node keeps up")} for {settings.CustomersPerBrand:N0} customers per brand; "
            + (settings.Duration is { } d ? $"stopping after {d.TotalSeconds:N0} s." : "Ctrl+C to stop."));
        var started = DateTimeOffset.UtcNow;
        var generating = Task.Run(() => records.RunAsync(generator.Next, settings.Rate, null, stop.Token,
            (() => node.Stats.Processed + node.Stats.DeadLettered, MaxAheadOfNode)), CancellationToken.None);
        // Stopped before it consumed anything, the node still stops through its bounded stop below.
        await Task.WhenAny(node.Service.Consumer, Task.Delay(Timeout.Infinite, stop.Token)).ConfigureAwait(false);
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), stop.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            view.Print(DateTimeOffset.UtcNow - started, records.Produced, node.Stats, node.Service.Consumer.Result);
        }
        await generating.ConfigureAwait(false);

        // At the end of --duration the processor catches up with what was produced; asked to stop, it only drains.
        var catchUp = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
        while (!cancellationToken.IsCancellationRequested && !node.StoppedItself.IsCancellationRequested
            && node.Stats.Processed + node.Stats.DeadLettered < records.Produced && DateTimeOffset.UtcNow < catchUp)
        {
            await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
        }
        var elapsed = DateTimeOffset.UtcNow - started;
        var exit = await node.StopWithinDeadlineAsync().ConfigureAwait(false);
        if (node.Service.Consumer.IsCompletedSuccessfully)
        {
            var consumer = node.Service.Consumer.Result;
            view.Print(elapsed, records.Produced, node.Stats, consumer);
            await view.PrintSummaryAsync(elapsed, records.Produced, node.Stats, consumer).ConfigureAwait(false);
        }
        return ExitCodes.Of(exit);
    }
}
