using Confluent.Kafka;

namespace SocialCrm.Streaming.Kafka.Output;

public static class KafkaProducerFactory
{
    /// <summary>
    /// An idempotent producer (no duplicates from the client's own retries) that partitions like the
    /// Java client (murmur2), so its records land where the shard of their key lives. Its delivery reports leave out
    /// the headers: nothing reads them there, and the client would copy them into two new objects per record.
    /// </summary>
    public static IProducer<byte[]?, byte[]> Create(string bootstrapServers, IReadOnlyDictionary<string, string>? properties = null) =>
        new ProducerBuilder<byte[]?, byte[]>(Config(bootstrapServers, properties)).Build();

    /// <summary>
    /// The settings above; <paramref name="properties"/> (<c>Kafka:Properties</c>) may tune the others: their
    /// <c>linger.ms</c>, <c>compression.type</c> and delivery-report fields replace the defaults set here.
    /// </summary>
    public static ProducerConfig Config(string bootstrapServers, IReadOnlyDictionary<string, string>? properties = null)
    {
        var config = new ProducerConfig(properties?.ToDictionary() ?? [])
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            Partitioner = Partitioner.Murmur2Random,
        };
        config.LingerMs ??= 2;
        config.CompressionType ??= CompressionType.Lz4;
        config.DeliveryReportFields ??= "key,value,timestamp,status";
        return config;
    }
}
