using System.CommandLine;
using System.Globalization;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary><c>socialcrm run</c>: a production node, configured by flags, SOCIALCRM__* variables and appsettings.json.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var kafka = new Option<string?>("--kafka") { Description = "Kafka bootstrap servers (Kafka:BootstrapServers)" };
        var redis = new Option<string?>("--redis") { Description = "StackExchange.Redis configuration string (Redis:Configuration)" };
        var port = new Option<int?>("--port") { Description = "Akka remoting port (Cluster:Port)" };
        var hostname = new Option<string?>("--hostname") { Description = "Host name other nodes reach this one by (Cluster:Hostname)" };
        var seedNodes = new Option<string?>("--seed-nodes") { Description = "host:port[,host:port] of seed nodes; none = a cluster of one (Cluster:SeedNodes)" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Port of /metrics and /health (Metrics:Port)" };
        var logFormat = CommandRunner.LogFormatOption();
        var settings = CommandRunner.ExistingFileOption("--config", "An appsettings.json to use instead of the one beside the executable");
        var command = new Command("run", "Run a processor node against real Kafka and Redis")
        {
            kafka, redis, port, hostname, seedNodes, metricsPort, logFormat, settings,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.Guard(async () =>
        {
            var overrides = new Dictionary<string, string?>
            {
                ["Kafka:BootstrapServers"] = parse.GetValue(kafka),
                ["Redis:Configuration"] = parse.GetValue(redis),
                ["Cluster:Port"] = parse.GetValue(port)?.ToString(CultureInfo.InvariantCulture),
                ["Cluster:Hostname"] = parse.GetValue(hostname),
                ["Cluster:SeedNodes"] = parse.GetValue(seedNodes),
                ["Metrics:Port"] = parse.GetValue(metricsPort)?.ToString(CultureInfo.InvariantCulture),
                ["Logging:Console:FormatterName"] = parse.GetValue(logFormat),
            };
            var settingsFile = parse.GetValue(settings)?.FullName;
            // The Rules section is live: a change to the file is validated and applied without a restart.
            var rulesSource = new RulesSource(settingsFile ?? ConfigurationLoader.DefaultSettingsFile,
                () => RulesConfiguration.Bind(ConfigurationLoader.Build(overrides, settingsFile)));
            await using var node = ProcessorNode.FromConfiguration(ConfigurationLoader.Build(overrides, settingsFile), rulesSource: rulesSource);
            return ExitCodes.Of(await node.RunUntilStoppedAsync(cancellationToken).ConfigureAwait(false));
        }));
        return command;
    }
}
