using System.Threading.Channels;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using SocialCrm.Streaming.Kafka.Ingest;

namespace SocialCrm.Streaming.Kafka.Tests.Ingest;

public sealed class ChannelBatchesTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task What_the_channel_holds_goes_out_in_full_batches_at_once_and_the_rest_after_the_delay()
    {
        var channel = Channel.CreateUnbounded<int>();
        foreach (var i in Enumerable.Range(0, 10))
        {
            channel.Writer.TryWrite(i);
        }
        // A delay far longer than the test: full batches must not wait for it.
        var batches = new ChannelBatches<int>(channel.Reader, 4, Long);

        Assert.Equal(new[] { 0, 1, 2, 3 }, await NextOf(batches));
        Assert.Equal(new[] { 4, 5, 6, 7 }, await NextOf(batches));
        var last = batches.NextAsync(CancellationToken.None);
        await Task.Delay(50);
        // Two of four: the batch stays open for more until its delay passes.
        Assert.False(last.IsCompleted);
        channel.Writer.TryWrite(10);
        channel.Writer.TryWrite(11);
        Assert.Equal(new[] { 8, 9, 10, 11 }, await last.WaitAsync(Long));
    }

    [Fact]
    public async Task A_batch_closes_when_its_delay_has_passed_however_small_it_is()
    {
        var channel = Channel.CreateUnbounded<int>();
        var batches = new ChannelBatches<int>(channel.Reader, 100, TimeSpan.FromMilliseconds(20));
        var first = batches.NextAsync(CancellationToken.None);
        // An empty channel makes no batch at all, however long it stays empty.
        await Task.Delay(100);
        Assert.False(first.IsCompleted);

        channel.Writer.TryWrite(1);
        Assert.Equal(new[] { 1 }, await first.WaitAsync(Long));
        channel.Writer.TryWrite(2);
        channel.Writer.TryWrite(3);
        Assert.Equal(new[] { 2, 3 }, await NextOf(batches).WaitAsync(Long));
    }

    [Fact]
    public async Task A_completed_channel_is_read_to_its_end_and_then_the_batches_end()
    {
        var channel = Channel.CreateUnbounded<int>();
        var batches = new ChannelBatches<int>(channel.Reader, 3, Long);
        var open = batches.NextAsync(CancellationToken.None);
        channel.Writer.TryWrite(1);
        channel.Writer.Complete();

        // Completion closes the open batch at once, without waiting for its delay.
        Assert.Equal(new[] { 1 }, await open.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(await batches.NextAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_channel_that_fails_fails_the_reader_with_its_error()
    {
        var channel = Channel.CreateUnbounded<int>();
        var batches = new ChannelBatches<int>(channel.Reader, 3, Long);
        channel.Writer.Complete(new InvalidOperationException("the consume thread died"));

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => batches.NextAsync(CancellationToken.None));
        Assert.Equal("the consume thread died", thrown.Message);
    }

    [Fact]
    public async Task As_a_stream_every_item_arrives_once_in_order_and_the_stream_completes_with_the_channel()
    {
        var channel = Channel.CreateUnbounded<int>();
        using var system = ActorSystem.Create("channel-batches");
        var received = new ChannelBatches<int>(channel.Reader, 7, TimeSpan.FromMilliseconds(1)).AsSource()
            .RunWith(Sink.Seq<int[]>(), system.Materializer());
        for (var i = 0; i < 1_000; i++)
        {
            channel.Writer.TryWrite(i);
            if (i % 97 == 0)
            {
                await Task.Delay(2);
            }
        }
        channel.Writer.Complete();

        var batches = await received.WaitAsync(Long);
        Assert.All(batches, batch => Assert.InRange(batch.Length, 1, 7));
        Assert.Equal(Enumerable.Range(0, 1_000), batches.SelectMany(batch => batch));
    }

    private static async Task<int[]> NextOf(ChannelBatches<int> batches) =>
        await batches.NextAsync(CancellationToken.None) ?? throw new InvalidOperationException("the batches ended");

    [Fact]
    public void A_batch_must_hold_at_least_one_item_and_wait_a_positive_time()
    {
        var reader = Channel.CreateUnbounded<int>().Reader;
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelBatches<int>(reader, 0, Long));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelBatches<int>(reader, 1, TimeSpan.Zero));
    }
}
