using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.CareConsole;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Redis.State;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>
/// <c>socialcrm console</c>: the care console web app on Kestrel, reading and writing only Redis. Settings:
/// section <c>Console</c> of appsettings.json or <c>SOCIALCRM__Console__*</c> (see <see cref="ConsoleOptions"/>),
/// with <c>Redis:Configuration</c> and <c>Redis:KeyPrefix</c> shared with the processor.
/// </summary>
public static class ConsoleCommand
{
    public static Command Create()
    {
        var redis = new Option<string?>("--redis") { Description = "StackExchange.Redis configuration string (Redis:Configuration)" };
        var port = new Option<int>("--port") { Description = "HTTP port (0 = an ephemeral port)", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host")
        {
            Description = "IP address to listen on, or localhost (0.0.0.0 in a container)",
            DefaultValueFactory = _ => "127.0.0.1",
            CustomParser = result =>
            {
                var given = result.Tokens.Single().Value;
                if (ListenAddress(given) is { } address)
                {
                    return address;
                }
                result.AddError($"--host must be an address of this machine to listen on: an IP address (0.0.0.0 for every interface, 127.0.0.1, ::) or localhost; was '{given}'");
                return given;
            },
        };
        var settings = CommandRunner.ExistingFileOption("--config", "An appsettings.json to use instead of the one beside the executable");
        var command = new Command("console", "Run the care console: the live alert queue, case work, customer and brand views, KPIs")
        {
            redis, port, host, settings,
        };
        port.Validators.Add(result => { if (result.GetValueOrDefault<int>() is < 0 or > 65535) result.AddError("--port must be within 0..65535"); });
        command.SetAction((parse, cancellationToken) => CommandRunner.Guard(async () =>
        {
            var configuration = ConfigurationLoader.Build(new Dictionary<string, string?> { ["Redis:Configuration"] = parse.GetValue(redis) }, parse.GetValue(settings)?.FullName);
            var options = Bind(configuration);
            var address = parse.GetValue(host)!;
            ListeningPorts.RequireFree([new ListeningPort("--port", address, parse.GetValue(port))]);
            await using var console = await ConsoleApp.StartAsync(options, address, parse.GetValue(port), cancellationToken: cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"Console: {console.Url}");
            if (!string.IsNullOrWhiteSpace(options.Kafka.BootstrapServers))
            {
                Console.WriteLine($"Case events go to Kafka topic {options.Kafka.CaseEventsTopic}.");
            }
            else
            {
                Console.WriteLine("No Console:Kafka:BootstrapServers: case events go only to Redis (audit trail and live channel).");
            }
            await console.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// The IP address of this machine <paramref name="host"/> names ("localhost" is the loopback address); null for
    /// anything else, which failed at the bind with exit 1 ("An invalid IP address", "Cannot assign requested address").
    /// </summary>
    private static string? ListenAddress(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1"
        : System.Net.IPAddress.TryParse(host, out var address) && ListeningPorts.IsLocal(address) ? address.ToString()
        : null;

    /// <summary>The console's settings; throws <see cref="ConfigurationException"/> naming every bad one.</summary>
    public static ConsoleOptions Bind(IConfiguration configuration)
    {
        if (Durations.Normalize(configuration, typeof(ConsoleOptions), "Console").Concat(Durations.Normalize(configuration, typeof(RedisStoreOptions), "Redis")).ToList()
            is { Count: > 0 } durationErrors)
        {
            throw new ConfigurationException(durationErrors);
        }
        var options = new ConsoleOptions();
        configuration.GetSection("Console").Bind(options);
        var redis = new RedisStoreOptions();
        configuration.GetSection("Redis").Bind(redis);
        options.RedisConfiguration = redis.Configuration;
        options.RedisUser = redis.User;
        options.RedisPassword = redis.Password;
        options.RedisTls = redis.Tls;
        options.KeyPrefix = redis.KeyPrefix is { Length: > 0 } prefix ? prefix : options.KeyPrefix;
        var errors = UnknownSettings.In(configuration, "Console", typeof(ConsoleOptions)).Concat(options.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
        if (options.SendsCaseEvents)
        {
            // The Kafka client checks its settings only when it is built: built once here, a refused one stops start-up naming it.
            var kafka = new KafkaIngestOptions { BootstrapServers = options.Kafka.BootstrapServers, Properties = options.Kafka.Properties };
            KafkaClientSettings.Build(kafka, "case events producer", () => CaseEventRelay.CreateProducer(options.Kafka), "Console:Kafka").Dispose();
        }
        return options;
    }
}
