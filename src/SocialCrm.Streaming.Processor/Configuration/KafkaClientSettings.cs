using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using SocialCrm.Streaming.Kafka;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>
/// The one place every Kafka client of the host gets its settings (the processor's consumer and producer, <c>generate</c>,
/// <c>topology</c>, and any command that talks to Kafka): <c>Kafka:BootstrapServers</c> plus <c>Kafka:Properties</c>
/// (security.protocol, sasl.*, ssl.*), so SASL and TLS reach them all. The client checks its properties only when it is
/// built: a refusal then is a configuration error (exit code 2, naming the setting, no secret), not a runtime failure.
/// </summary>
public static class KafkaClientSettings
{
    /// <summary>
    /// The <c>Kafka</c> section of the layered configuration (file, SOCIALCRM__Kafka__*, then <paramref name="bootstrapServers"/>
    /// from a flag), for commands that need Kafka but not the whole processor's settings.
    /// </summary>
    public static KafkaIngestOptions Load(string? bootstrapServers, string? settingsFile)
    {
        var configuration = ConfigurationLoader.Build(new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = bootstrapServers }, settingsFile);
        var kafka = new KafkaIngestOptions();
        try
        {
            configuration.GetSection("Kafka").Bind(kafka);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationException([ex.Message + (ex.InnerException is { } inner ? " " + inner.Message : "")]);
        }
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(kafka.BootstrapServers))
        {
            errors.Add("Kafka:BootstrapServers is not set: pass --kafka host:port or set SOCIALCRM__Kafka__BootstrapServers");
        }
        errors.AddRange(kafka.Properties.Keys.Where(string.IsNullOrWhiteSpace).Select(_ => "Kafka:Properties must not have an empty property name"));
        return errors.Count > 0 ? throw new ConfigurationException(errors) : kafka;
    }

    public static ConsumerConfig ConsumerConfig(KafkaIngestOptions kafka) => KafkaConsumerLoop.ConsumerConfigOf(kafka);

    public static ProducerConfig ProducerConfig(KafkaIngestOptions kafka) => KafkaProducerFactory.Config(kafka.BootstrapServers, kafka.Properties);

    public static AdminClientConfig AdminConfig(KafkaIngestOptions kafka) => new(new Dictionary<string, string>(kafka.Properties))
    {
        BootstrapServers = kafka.BootstrapServers,
        SocketConnectionSetupTimeoutMs = 10_000,
    };

    /// <param name="log">Where the client's errors and log lines go; without it librdkafka writes them to stderr (a command-line tool's choice).</param>
    public static IProducer<byte[]?, byte[]> CreateProducer(KafkaIngestOptions kafka, KafkaClientLog? log = null) =>
        Build(kafka, "producer", () =>
        {
            var builder = new ProducerBuilder<byte[]?, byte[]>(ProducerConfig(kafka));
            return log is null ? builder.Build() : builder.SetErrorHandler((_, error) => log.OnError(error)).SetLogHandler((_, message) => log.OnLog(message)).Build();
        });

    public static IAdminClient CreateAdminClient(KafkaIngestOptions kafka) =>
        Build(kafka, "admin client", () => TopologyAdmin.CreateAdminClient(AdminConfig(kafka)));

    /// <summary>Builds a Kafka client, turning the client's refusal of a setting into a <see cref="ConfigurationException"/>.</summary>
    /// <param name="section">Where the settings are: <c>Kafka</c> (the processor's), <c>Console:Kafka</c> (the care console's).</param>
    public static T Build<T>(KafkaIngestOptions kafka, string client, Func<T> build, string section = "Kafka")
    {
        try
        {
            return build();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or KafkaException)
        {
            throw new ConfigurationException([$"{SettingNamedIn(ex.Message, kafka, section)} refused by the Kafka {client}: {Masked(ex.Message, kafka)}"]);
        }
    }

    /// <summary>
    /// The client may quote a value it refuses; the setting's name is what matters, and a value may be a secret: the values of
    /// secret properties (sasl.password, ssl.key.password...) are masked, and so are other long ones (short ones, flags and numbers, are kept).
    /// </summary>
    private static string Masked(string message, KafkaIngestOptions kafka) =>
        SecretMask.Apply(kafka.Properties
            .Where(p => p.Value.Length >= 6 || (SecretMask.IsSecret(p.Key) && p.Value.Length > 0))
            .Select(p => p.Value)
            .OrderByDescending(value => value.Length)
            .Aggregate(message, (text, value) => text.Replace(value, SecretMask.Masked, StringComparison.Ordinal)));

    /// <summary>The <c>Kafka:Properties:name</c> the client's message names, or all of Kafka:Properties when it names none.</summary>
    private static string SettingNamedIn(string message, KafkaIngestOptions kafka, string section) =>
        kafka.Properties.Keys
            .Where(name => message.Contains(name, StringComparison.Ordinal))
            .OrderByDescending(name => name.Length)
            .Select(name => $"{section}:Properties:{name} (env SOCIALCRM__{section.Replace(":", "__", StringComparison.Ordinal)}__Properties__{name}) is")
            .FirstOrDefault()
        ?? $"{section}:Properties (or {section}:BootstrapServers) are";
}
