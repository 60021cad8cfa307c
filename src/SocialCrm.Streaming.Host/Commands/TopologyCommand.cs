using System.CommandLine;
using Confluent.Kafka;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>
/// <c>socialcrm topology render|verify|apply</c>: the Kafka topics of topology/topics.json.
/// Exit codes: 0 ok (verify: the cluster matches); 1 verify found missing topics or wrong partition
/// counts, apply left differences, or Kafka could not be reached; 2 bad usage, an invalid
/// topics.json, no Kafka bootstrap configured, or a cluster without the admin API (apply on the
/// mock cluster); 130 stopped by Ctrl+C while waiting for the cluster.
/// </summary>
public static class TopologyCommand
{
    public const int Ok = 0;
    public const int Differences = 1;
    public const int Usage = 2;

    public static Command Create()
    {
        var command = new Command("topology", "Render, verify or create the Kafka topics of topology/topics.json");
        command.Subcommands.Add(CreateRender());
        command.Subcommands.Add(CreateVerify());
        command.Subcommands.Add(CreateApply());
        return command;
    }

    private static Option<FileInfo?> TopologyOption() => new("--topology")
    {
        Description = "The topics.json to use (default: topology/topics.json beside the executable, else found from the current directory up)",
    };

    private static Option<string?> KafkaOption() => new("--kafka")
    {
        Description = "Kafka bootstrap servers (default: Kafka:BootstrapServers from appsettings.json or SOCIALCRM__Kafka__BootstrapServers; Kafka:Properties such as sasl.* apply too)",
    };

    private static Option<FileInfo?> ConfigOption() =>
        CommandRunner.ExistingFileOption("--config", "An appsettings.json to use instead of the one beside the executable");

    private static Option<TimeSpan> TimeoutOption() =>
        CommandRunner.DurationOption("--timeout", "How long to wait for the cluster (e.g. 10s)", TimeSpan.FromSeconds(15), atLeast: "1ms");

    private static Command CreateRender()
    {
        var topology = TopologyOption();
        var format = new Option<string>("--format")
        {
            Description = "strimzi: KafkaTopic resources (YAML); table: a plain table",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("strimzi", "table");
        var strimziCluster = new Option<string>("--strimzi-cluster")
        {
            Description = "The Strimzi Kafka cluster name (label strimzi.io/cluster)",
            DefaultValueFactory = _ => TopologyAdmin.DefaultStrimziCluster,
        };
        var output = CommandRunner.OutputFileOption("--output", "Write to this file instead of standard output", "-o");
        var command = new Command("render", "Print the topics as Strimzi KafkaTopic resources or as a table") { topology, format, strimziCluster, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (stdout, stderr) = Writers(parse);
            var catalog = LoadCatalog(parse.GetValue(topology), stderr);
            if (catalog is null)
            {
                return Usage;
            }
            var text = parse.GetValue(format) == "strimzi"
                ? TopologyAdmin.RenderStrimzi(catalog, parse.GetValue(strimziCluster) ?? TopologyAdmin.DefaultStrimziCluster)
                : TopologyAdmin.RenderTable(catalog);
            if (parse.GetValue(output) is { } file)
            {
                try
                {
                    await File.WriteAllTextAsync(file.FullName, text, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await stderr.WriteLineAsync($"--output {file.FullName}: cannot be written ({ex.Message})").ConfigureAwait(false);
                    return Usage;
                }
                await stderr.WriteLineAsync($"Wrote {catalog.Topics.Count} topics to {file.FullName}").ConfigureAwait(false);
            }
            else
            {
                await stdout.WriteAsync(text).ConfigureAwait(false);
            }
            return Ok;
        });
        return command;
    }

    private static Command CreateVerify()
    {
        var topology = TopologyOption();
        var kafka = KafkaOption();
        var config = ConfigOption();
        var timeout = TimeoutOption();
        var command = new Command("verify", "Compare the cluster's topics with topics.json: missing topics, wrong partition counts (exit 1 when they differ)")
        {
            topology, kafka, config, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (stdout, stderr) = Writers(parse);
            if (LoadCatalogAndAdmin(parse, topology, kafka, config, stderr) is not var (catalog, adminConfig))
            {
                return Usage;
            }
            try
            {
                await stderr.WriteLineAsync(Asking("verify", adminConfig, parse.GetValue(timeout))).ConfigureAwait(false);
                var report = await CallAdminAsync(adminConfig, admin => Task.FromResult(TopologyAdmin.Verify(catalog, admin, parse.GetValue(timeout))), cancellationToken).ConfigureAwait(false);
                await stdout.WriteAsync(report.Format()).ConfigureAwait(false);
                return report.Matches ? Ok : Differences;
            }
            catch (ConfigurationException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await stderr.WriteLineAsync("topology verify: interrupted.").ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }
            catch (KafkaException ex)
            {
                await stderr.WriteLineAsync($"topology verify: cannot read the metadata of {adminConfig.BootstrapServers}: {ex.Error.Code} {ex.Message}").ConfigureAwait(false);
                return Differences;
            }
        });
        return command;
    }

    private static Command CreateApply()
    {
        var topology = TopologyOption();
        var kafka = KafkaOption();
        var config = ConfigOption();
        var timeout = TimeoutOption();
        var dryRun = new Option<bool>("--dry-run") { Description = "Only say which topics would be created" };
        var command = new Command("apply", "Create the topics of topics.json that the cluster lacks, through the admin API (exit 2 when the cluster has none, like the mock cluster)")
        {
            topology, kafka, config, timeout, dryRun,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (stdout, stderr) = Writers(parse);
            if (LoadCatalogAndAdmin(parse, topology, kafka, config, stderr) is not var (catalog, adminConfig))
            {
                return Usage;
            }
            try
            {
                var isDryRun = parse.GetValue(dryRun);
                await stderr.WriteLineAsync(Asking("apply", adminConfig, parse.GetValue(timeout))).ConfigureAwait(false);
                var result = await CallAdminAsync(adminConfig, admin => TopologyAdmin.ApplyAsync(catalog, admin, parse.GetValue(timeout), isDryRun), cancellationToken).ConfigureAwait(false);
                if (isDryRun)
                {
                    foreach (var missing in result.After.Missing)
                    {
                        await stdout.WriteLineAsync($"would create {missing.Expected.Name} ({missing.Expected.Partitions} partitions, replication {missing.Expected.ReplicationFactor})").ConfigureAwait(false);
                    }
                }
                foreach (var created in result.Created)
                {
                    await stdout.WriteLineAsync($"created {created.Name} ({created.Partitions} partitions, replication {created.ReplicationFactor})").ConfigureAwait(false);
                }
                await stdout.WriteAsync(result.After.Format()).ConfigureAwait(false);
                if (result.After.Mismatched.Count > 0)
                {
                    await stderr.WriteLineAsync("apply does not change the partition count of existing topics (it would move keys between partitions): fix them by hand.").ConfigureAwait(false);
                }
                return result.Matches || (isDryRun && result.After.Mismatched.Count == 0) ? Ok : Differences;
            }
            catch (ConfigurationException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return Usage;
            }
            catch (AdminApiUnavailableException ex)
            {
                await stderr.WriteLineAsync($"topology apply: {ex.Message}").ConfigureAwait(false);
                return Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await stderr.WriteLineAsync("topology apply: interrupted; topics it had asked for may have been created: run verify.").ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }
            catch (KafkaException ex)
            {
                await stderr.WriteLineAsync($"topology apply: {ex.Error.Code} {ex.Message}").ConfigureAwait(false);
                return Differences;
            }
        });
        return command;
    }

    /// <summary>Said before the admin call, which may wait up to the timeout for a cluster that is down.</summary>
    private static string Asking(string subcommand, KafkaIngestOptions kafka, TimeSpan timeout) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"topology {subcommand}: asking {kafka.BootstrapServers} for its topics (waits up to {timeout.TotalSeconds:0.#} s; Ctrl+C stops)");

    /// <summary>
    /// Runs an admin call on the thread pool and waits for it only until Ctrl+C: librdkafka's metadata request blocks its
    /// thread until the --timeout. The client is disposed when the call returns, also after the command stopped waiting.
    /// </summary>
    private static async Task<T> CallAdminAsync<T>(KafkaIngestOptions config, Func<IAdminClient, Task<T>> call, CancellationToken cancellationToken)
    {
        var admin = KafkaClientSettings.CreateAdminClient(config);
        var work = Task.Run(() => call(admin), CancellationToken.None);
        _ = work.ContinueWith(_ => admin.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return await work.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static (TextWriter Output, TextWriter Error) Writers(ParseResult parse) =>
        (parse.InvocationConfiguration.Output ?? Console.Out, parse.InvocationConfiguration.Error ?? Console.Error);

    /// <summary>What verify and apply both need: the topic catalog and how to reach the cluster's admin API; null after reporting a usage error.</summary>
    private static (TopicCatalog Catalog, KafkaIngestOptions Kafka)? LoadCatalogAndAdmin(
        ParseResult parse, Option<FileInfo?> topology, Option<string?> kafka, Option<FileInfo?> config, TextWriter stderr)
    {
        var catalog = LoadCatalog(parse.GetValue(topology), stderr);
        var admin = catalog is null ? null : AdminConfig(parse.GetValue(kafka), parse.GetValue(config), stderr);
        return catalog is null || admin is null ? null : (catalog, admin);
    }

    private static TopicCatalog? LoadCatalog(FileInfo? path, TextWriter stderr)
    {
        try
        {
            return path is null ? TopicCatalog.LoadDefault() : TopicCatalog.Load(path.FullName);
        }
        catch (TopologyException ex)
        {
            stderr.WriteLine(ex.Message);
            return null;
        }
    }

    /// <summary>Kafka:BootstrapServers (the --kafka flag wins) and Kafka:Properties (security.protocol, sasl.*) from configuration.</summary>
    private static KafkaIngestOptions? AdminConfig(string? kafka, FileInfo? settings, TextWriter stderr)
    {
        try
        {
            return KafkaClientSettings.Load(kafka, settings?.FullName);
        }
        catch (Exception ex) when (ex is ConfigurationException or InvalidOperationException or FormatException or IOException)
        {
            stderr.WriteLine(ex is ConfigurationException ? ex.Message : $"Invalid configuration: {SecretMask.Apply(ex.Message)}");
            return null;
        }
    }
}
