using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>
/// The Kafka client checks its own properties only when a client is built: a refusal then is a configuration error
/// (exit code 2, naming the setting), not a runtime failure, and never a node that silently consumes nothing.
/// </summary>
public static class KafkaClientSettings
{
    /// <summary>Builds a Kafka client, turning the client's refusal of a setting into a <see cref="ConfigurationException"/>.</summary>
    public static T Build<T>(KafkaIngestOptions kafka, string client, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Confluent.Kafka.KafkaException)
        {
            throw new ConfigurationException([$"{SettingNamedIn(ex.Message, kafka)} refused by the Kafka {client}: {Masked(ex.Message, kafka)}"]);
        }
    }

    /// <summary>The client may quote a value it refuses; the setting's name is what matters, and a value may be a secret (short ones, flags and numbers, are kept).</summary>
    private static string Masked(string message, KafkaIngestOptions kafka) =>
        kafka.Properties.Values.Where(value => value.Length >= 6).OrderByDescending(value => value.Length)
            .Aggregate(message, (text, value) => text.Replace(value, "***", StringComparison.Ordinal));

    /// <summary>The <c>Kafka:Properties:name</c> the client's message names, or all of Kafka:Properties when it names none.</summary>
    private static string SettingNamedIn(string message, KafkaIngestOptions kafka) =>
        kafka.Properties.Keys
            .Where(name => message.Contains(name, StringComparison.Ordinal))
            .OrderByDescending(name => name.Length)
            .Select(name => $"Kafka:Properties:{name} (env SOCIALCRM__Kafka__Properties__{name}) is")
            .FirstOrDefault()
        ?? "Kafka:Properties (or Kafka:BootstrapServers) are";
}
