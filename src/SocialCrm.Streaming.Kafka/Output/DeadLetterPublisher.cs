using System.Globalization;
using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Kafka.Output;

/// <summary>
/// Sends a rejected record, byte for byte, to the dead-letter topic with headers that say why and
/// where it came from, keeping the original key and headers. A record larger than a broker takes (its
/// message.max.bytes, 1 MB by default) keeps only the first bytes of its value, as many as fit in
/// <see cref="MaxRecordBytes"/> with the key and headers, and says so in headers (a key or original headers too large to
/// leave room are cut or dropped first, and said so too). Retriable broker
/// errors are retried until the record is stored: a rejected mention is never lost.
/// </summary>
public sealed class DeadLetterPublisher(IProducer<byte[]?, byte[]> producer, string deadLetterTopic)
{
    /// <summary>
    /// The most a dead letter weighs, key and headers included: below a default broker's 1 MB record
    /// limit and the producer's own message.max.bytes check (1,000,000), with room for the record framing.
    /// The key and headers count too: past the producer's limit a send can never succeed.
    /// </summary>
    public const int MaxRecordBytes = 900 * 1024;
    public const string TruncatedHeader = "dlq.truncated";
    public const string OriginalSizeHeader = "dlq.original.size";
    public const string ReasonHeader = "dlq.reason";
    public const string DetailHeader = "dlq.detail";
    public const string SourceTopicHeader = "dlq.source.topic";
    public const string SourcePartitionHeader = "dlq.source.partition";
    public const string SourceOffsetHeader = "dlq.source.offset";
    public const string ExceptionHeader = "dlq.exception";
    public const string HeadersDroppedHeader = "dlq.headers.dropped";
    public const string KeyTruncatedHeader = "dlq.key.original.size";

    /// <summary>What is kept for the value's first bytes when a key and headers would take up the whole record.</summary>
    private const int MinValueRoom = 16 * 1024;

    /// <summary>How much of a key too large to keep whole is kept: far more than any entity id, far less than a record.</summary>
    private const int MaxKeptKeyBytes = 64 * 1024;

    /// <summary>Details are for people; long ones (a parser error on a huge payload) are cut.</summary>
    private const int MaxDetailLength = 500;

    public async Task PublishAsync(ConsumedRecord record, Rejection rejection)
    {
        var detail = rejection.Detail.Length > MaxDetailLength ? rejection.Detail[..MaxDetailLength] : rejection.Detail;
        var ours = new Headers
        {
            { ReasonHeader, Encoding.UTF8.GetBytes(rejection.Reason.ToWire()) },
            { DetailHeader, Encoding.UTF8.GetBytes(detail) },
            { SourceTopicHeader, Encoding.UTF8.GetBytes(record.Topic) },
            { SourcePartitionHeader, Encoding.UTF8.GetBytes(record.Position.Partition.ToString(CultureInfo.InvariantCulture)) },
            { SourceOffsetHeader, Encoding.UTF8.GetBytes(record.Position.Offset.ToString(CultureInfo.InvariantCulture)) },
        };
        if (rejection.ExceptionType is { } exceptionType)
        {
            ours.Add(ExceptionHeader, Encoding.UTF8.GetBytes(exceptionType));
        }
        var key = record.Key;
        var original = record.Headers ?? [];
        // A key and headers that leave no room would make the record refused for ever, however much of the value is cut:
        // the original headers go first, then the key keeps its first bytes. Both are said in headers.
        if (SizeOf(key, ours) + SizeOf(null, original) > MaxRecordBytes - MinValueRoom)
        {
            ours.Add(HeadersDroppedHeader, Encoding.UTF8.GetBytes(original.Count.ToString(CultureInfo.InvariantCulture)));
            original = [];
        }
        if (key is not null && SizeOf(key, ours) > MaxRecordBytes - MinValueRoom)
        {
            ours.Add(KeyTruncatedHeader, Encoding.UTF8.GetBytes(key.Length.ToString(CultureInfo.InvariantCulture)));
            key = key[..MaxKeptKeyBytes];
        }
        var headers = new Headers();
        foreach (var header in original.Concat(ours))
        {
            headers.Add(header.Key, header.GetValueBytes());
        }
        // A tombstone has no bytes to keep; it arrives as an empty value with its reason.
        var value = record.Value ?? [];
        if (SizeOf(key, headers) + value.Length > MaxRecordBytes)
        {
            headers.Add(TruncatedHeader, "true"u8.ToArray());
            headers.Add(OriginalSizeHeader, Encoding.UTF8.GetBytes(value.Length.ToString(CultureInfo.InvariantCulture)));
            value = value[..Math.Max(0, MaxRecordBytes - SizeOf(key, headers))];
        }
        var message = new Message<byte[]?, byte[]> { Key = key, Value = value, Headers = headers };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await producer.ProduceAsync(deadLetterTopic, message).ConfigureAwait(false);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> ex) when (!ex.Error.IsFatal)
            {
                // The client already retried within its delivery timeout; keep trying, calmly, rather than drop it.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * attempt))).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A dead letter the broker would not take after every retry: the record cannot be set aside, so the stream must
    /// stop rather than go past it (a restart resumes from the last commit).
    /// </summary>
    public static bool IsPublishFailure(Exception exception) => exception is KafkaException;

    /// <summary>The bytes of a record's key and headers (names and values; framing is in the margin of <see cref="MaxRecordBytes"/>).</summary>
    private static int SizeOf(byte[]? key, Headers headers) =>
        (key?.Length ?? 0) + headers.Sum(header => Encoding.UTF8.GetByteCount(header.Key) + (header.GetValueBytes()?.Length ?? 0));
}
