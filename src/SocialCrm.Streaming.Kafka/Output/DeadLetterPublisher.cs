using System.Globalization;
using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Kafka.Output;

/// <summary>
/// Sends a rejected record, byte for byte, to the dead-letter topic with headers that say why and
/// where it came from, keeping the original headers.
/// </summary>
public sealed class DeadLetterPublisher(IProducer<byte[]?, byte[]> producer, string deadLetterTopic)
{
    public const string ReasonHeader = "dlq.reason";
    public const string DetailHeader = "dlq.detail";
    public const string SourceTopicHeader = "dlq.source.topic";
    public const string SourcePartitionHeader = "dlq.source.partition";
    public const string SourceOffsetHeader = "dlq.source.offset";

    /// <summary>Details are for people; long ones (a parser error on a huge payload) are cut.</summary>
    private const int MaxDetailLength = 500;

    public async Task PublishAsync(ConsumedRecord record, Rejection rejection)
    {
        var headers = new Headers();
        if (record.Headers is { } original)
        {
            foreach (var header in original)
            {
                headers.Add(header.Key, header.GetValueBytes());
            }
        }
        var detail = rejection.Detail.Length > MaxDetailLength ? rejection.Detail[..MaxDetailLength] : rejection.Detail;
        headers.Add(ReasonHeader, Encoding.UTF8.GetBytes(rejection.Reason.ToWire()));
        headers.Add(DetailHeader, Encoding.UTF8.GetBytes(detail));
        headers.Add(SourceTopicHeader, Encoding.UTF8.GetBytes(record.Topic));
        headers.Add(SourcePartitionHeader, Encoding.UTF8.GetBytes(record.Position.Partition.ToString(CultureInfo.InvariantCulture)));
        headers.Add(SourceOffsetHeader, Encoding.UTF8.GetBytes(record.Position.Offset.ToString(CultureInfo.InvariantCulture)));
        await producer.ProduceAsync(deadLetterTopic, new Message<byte[]?, byte[]>
        {
            Key = record.Key,
            // A tombstone has no bytes to keep; it arrives as an empty value with its reason.
            Value = record.Value ?? [],
            Headers = headers,
        }).ConfigureAwait(false);
    }
}
