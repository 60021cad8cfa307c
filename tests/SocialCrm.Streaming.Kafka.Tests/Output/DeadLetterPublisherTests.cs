using System.Text;
using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Kafka.Tests.Output;

public sealed class DeadLetterPublisherTests(MockKafkaFixture kafka) : IClassFixture<MockKafkaFixture>
{
    [Fact]
    public async Task An_oversized_record_keeps_as_much_of_its_value_as_fits_beside_its_key_and_headers()
    {
        var deadLetters = kafka.CreateUniqueTopic("dlq", 1);
        var value = Encoding.UTF8.GetBytes(new string('x', 10 * 1024 * 1024));
        // Large original headers: with them, a value cut to a fixed size would still exceed the producer's limit, for ever.
        var headers = new Headers { { "trace", new byte[200 * 1024] } };
        var record = new ConsumedRecord("social.mentions", new SourcePosition(3, 42), "acme:c1"u8.ToArray(), value, headers, DateTimeOffset.UtcNow);
        using var producer = KafkaProducerFactory.Create(kafka.BootstrapServers);

        await new DeadLetterPublisher(producer, deadLetters)
            .PublishAsync(record, new Rejection(RejectReason.TooLarge, "payload is 10485760 bytes"))
            .WaitAsync(TimeSpan.FromSeconds(30));

        var stored = Assert.Single(kafka.ReadAll(deadLetters, 1, TimeSpan.FromSeconds(10)));
        Assert.Equal("too-large", stored.Header(DeadLetterPublisher.ReasonHeader));
        Assert.Equal("true", stored.Header(DeadLetterPublisher.TruncatedHeader));
        Assert.Equal(value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), stored.Header(DeadLetterPublisher.OriginalSizeHeader));
        Assert.Equal(200 * 1024, stored.Headers.Single(h => h.Key == "trace").Value.Length);
        Assert.True(value.AsSpan().StartsWith(stored.Value));
        var size = stored.Key!.Length + stored.Value.Length + stored.Headers.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + h.Value.Length);
        Assert.Equal(DeadLetterPublisher.MaxRecordBytes, size);
    }

    [Fact]
    public async Task A_key_and_headers_that_leave_no_room_are_cut_and_dropped_and_said_so()
    {
        var deadLetters = kafka.CreateUniqueTopic("dlq", 1);
        var key = new byte[990 * 1024];
        key.AsSpan().Fill((byte)'k');
        var headers = new Headers { { "trace", new byte[300 * 1024] }, { "span", new byte[10] } };
        var record = new ConsumedRecord("social.mentions", new SourcePosition(1, 7), key, "{}"u8.ToArray(), headers, DateTimeOffset.UtcNow);
        using var producer = KafkaProducerFactory.Create(kafka.BootstrapServers);

        await new DeadLetterPublisher(producer, deadLetters)
            .PublishAsync(record, new Rejection(RejectReason.KeyMismatch, "record key is not the mention's entity id"))
            .WaitAsync(TimeSpan.FromSeconds(30));

        var stored = Assert.Single(kafka.ReadAll(deadLetters, 1, TimeSpan.FromSeconds(10)));
        Assert.Equal("key-mismatch", stored.Header(DeadLetterPublisher.ReasonHeader));
        Assert.Equal("2", stored.Header(DeadLetterPublisher.HeadersDroppedHeader));
        Assert.Equal(key.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), stored.Header(DeadLetterPublisher.KeyTruncatedHeader));
        Assert.DoesNotContain(stored.Headers, h => h.Key is "trace" or "span");
        Assert.True(key.AsSpan().StartsWith(stored.Key));
        Assert.Equal("{}", stored.ValueString);
        var size = stored.Key!.Length + stored.Value.Length + stored.Headers.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + h.Value.Length);
        Assert.True(size <= DeadLetterPublisher.MaxRecordBytes, $"{size} bytes");
    }
}
