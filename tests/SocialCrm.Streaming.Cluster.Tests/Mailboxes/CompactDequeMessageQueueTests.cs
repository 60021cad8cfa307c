using Akka.Actor;
using Akka.Dispatch.MessageQueues;
using SocialCrm.Streaming.Cluster.Mailboxes;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Cluster.Tests.Mailboxes;

/// <summary>The queue on its own: deque order, counts, hand-over to dead letters, concurrent producers, and its size.</summary>
public sealed class CompactDequeMessageQueueTests(ITestOutputHelper output)
{
    private sealed record Numbered(int Producer, int Sequence);

    private static Envelope EnvelopeOf(object message) => new(message, ActorRefs.Nobody);

    private static List<object> Drain(IMessageQueue queue)
    {
        var drained = new List<object>();
        while (queue.TryDequeue(out var envelope))
        {
            drained.Add(envelope.Message);
        }

        return drained;
    }

    [Fact]
    public void Empty_queue_has_nothing_to_dequeue()
    {
        var queue = new CompactDequeMessageQueue();

        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public void Messages_put_first_come_before_the_queued_ones_in_stash_order()
    {
        var queue = new CompactDequeMessageQueue();
        queue.Enqueue(ActorRefs.Nobody, EnvelopeOf("queued-1"));
        queue.Enqueue(ActorRefs.Nobody, EnvelopeOf("queued-2"));

        // The stash hands its messages back newest first, so they come out oldest first.
        queue.EnqueueFirst(EnvelopeOf("stashed-2"));
        queue.EnqueueFirst(EnvelopeOf("stashed-1"));

        Assert.True(queue.HasMessages);
        Assert.Equal(4, queue.Count);
        Assert.Equal(["stashed-1", "stashed-2", "queued-1", "queued-2"], Drain(queue));
        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
    }

    /// <summary>
    /// Random enqueues at both ends and dequeues against a linked list as the model, so that every way of
    /// wrapping around the ring, growing it while wrapped and dropping it when drained is exercised.
    /// </summary>
    [Fact]
    public void Behaves_like_a_deque_through_any_sequence_of_operations()
    {
        var random = new Random(20_240_611);
        var queue = new CompactDequeMessageQueue();
        var model = new LinkedList<int>();

        for (var step = 0; step < 200_000; step++)
        {
            // Phases that lean towards growing and towards draining, so the ring both grows large and empties often.
            var growing = step / 1_000 % 2 == 0;
            var roll = random.Next(100);
            if (roll < (growing ? 40 : 25))
            {
                queue.Enqueue(ActorRefs.Nobody, EnvelopeOf(step));
                model.AddLast(step);
            }
            else if (roll < (growing ? 60 : 35))
            {
                queue.EnqueueFirst(EnvelopeOf(step));
                model.AddFirst(step);
            }
            else
            {
                var dequeued = queue.TryDequeue(out var envelope);
                Assert.Equal(model.Count > 0, dequeued);
                if (dequeued)
                {
                    Assert.Equal(model.First!.Value, envelope.Message);
                    model.RemoveFirst();
                }
            }

            Assert.Equal(model.Count, queue.Count);
            Assert.Equal(model.Count > 0, queue.HasMessages);
        }

        Assert.Equal(model.Cast<object>(), Drain(queue));
    }

    [Fact]
    public void Clean_up_hands_every_remaining_message_to_dead_letters_in_order()
    {
        var queue = new CompactDequeMessageQueue();
        var deadLetters = new CompactDequeMessageQueue();
        for (var i = 0; i < 10; i++)
        {
            queue.Enqueue(ActorRefs.Nobody, EnvelopeOf(i));
        }

        queue.EnqueueFirst(EnvelopeOf(-1));

        queue.CleanUp(ActorRefs.Nobody, deadLetters);

        Assert.False(queue.HasMessages);
        Assert.Equal(Enumerable.Range(-1, 11).Cast<object>(), Drain(deadLetters));
    }

    /// <summary>
    /// Producers enqueue while one consumer dequeues and, now and then, puts what it took back in front, as an
    /// actor that stashes and unstashes does: nothing is lost, and each producer's messages stay in order.
    /// </summary>
    [Fact]
    public async Task Concurrent_producers_and_a_stashing_consumer_lose_and_reorder_nothing()
    {
        const int producers = 4;
        const int perProducer = 100_000;
        var queue = new CompactDequeMessageQueue();
        using var start = new Barrier(producers + 1);

        var producerThreads = Enumerable.Range(0, producers).Select(producer => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var sequence = 0; sequence < perProducer; sequence++)
            {
                queue.Enqueue(ActorRefs.Nobody, EnvelopeOf(new Numbered(producer, sequence)));
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        var nextExpected = new int[producers];
        var received = 0;
        start.SignalAndWait();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (received < producers * perProducer)
        {
            if (!queue.TryDequeue(out var envelope))
            {
                // A lost message would otherwise leave this loop waiting for ever.
                Assert.True(DateTime.UtcNow < deadline, $"only {received} of {producers * perProducer} messages arrived");
                Thread.Yield();
                continue;
            }

            if (received % 7 == 0)
            {
                queue.EnqueueFirst(envelope);
                Assert.True(queue.TryDequeue(out var again));
                Assert.Same(envelope.Message, again.Message);
            }

            var numbered = (Numbered)envelope.Message;
            Assert.Equal(nextExpected[numbered.Producer], numbered.Sequence);
            nextExpected[numbered.Producer]++;
            received++;
        }

        await Task.WhenAll(producerThreads);
        Assert.All(nextExpected, next => Assert.Equal(perProducer, next));
        Assert.False(queue.HasMessages);
    }

    /// <summary>What each idle actor pays for its queue: ours must cost at most a quarter of Akka's deque queue.</summary>
    [Fact]
    public void An_empty_queue_costs_a_fraction_of_akkas_deque_queue()
    {
        var ours = BytesPerEmptyQueue(() => new CompactDequeMessageQueue());
        var akkas = BytesPerEmptyQueue(() => new UnboundedDequeMessageQueue());
        output.WriteLine($"bytes per empty queue: ours {ours:F1}, Akka's UnboundedDequeMessageQueue {akkas:F1}");

        Assert.True(ours * 4 <= akkas, $"ours {ours:F1} B, Akka's {akkas:F1} B");
        Assert.True(ours <= 40, $"ours {ours:F1} B");
    }

    /// <summary>
    /// An actor idle again after a burst must cost no more than a new one, so the drained queue lets go of its
    /// grown ring: the same burst again grows a ring again, from the first size on, which a queue that kept its
    /// ring would not have to.
    /// </summary>
    [Fact]
    public void A_drained_queue_lets_go_of_its_ring()
    {
        // Made beforehand: the bursts then allocate nothing but the queue's rings.
        var burst = Enumerable.Range(0, 1_000).Select(i => (object)i).ToArray();
        var queue = new CompactDequeMessageQueue();
        Fill(queue, burst);
        Assert.Equal(burst, Drain(queue));

        var again = BytesAllocatedBy(queue, q => Fill(q, burst));

        // The rings of 8 to 1,024 envelopes it grows through again: at least 16 KB for the last alone.
        Assert.True(again >= 1_024 * 16, $"the second burst allocated {again} B");
        Assert.Equal(burst, Drain(queue));
    }

    /// <summary>
    /// A message to an idle actor takes a first-size ring another queue drained on the same thread, not a new one,
    /// and finds nothing of that queue's messages in it.
    /// </summary>
    [Fact]
    public void An_idle_queue_reuses_a_ring_drained_on_its_thread()
    {
        var earlier = new CompactDequeMessageQueue();
        earlier.Enqueue(ActorRefs.Nobody, EnvelopeOf("earlier"));
        Assert.Equal(["earlier"], Drain(earlier));

        var idle = new CompactDequeMessageQueue();
        var allocated = BytesAllocatedBy(idle, queue => queue.Enqueue(ActorRefs.Nobody, EnvelopeOf("next")));

        Assert.Equal(0, allocated);
        Assert.Equal(1, idle.Count);
        Assert.Equal(["next"], Drain(idle));
        Assert.False(earlier.HasMessages);
    }

    private static void Fill(IMessageQueue queue, object[] messages)
    {
        foreach (var message in messages)
        {
            queue.Enqueue(ActorRefs.Nobody, EnvelopeOf(message));
        }
    }

    private static long BytesAllocatedBy(CompactDequeMessageQueue queue, Action<CompactDequeMessageQueue> act)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        act(queue);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static double BytesPerEmptyQueue(Func<IMessageQueue> create)
    {
        const int queues = 10_000;
        var kept = new IMessageQueue[queues];
        create(); // type initialisation and JIT allocate too; keep them out of the count
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < queues; i++)
        {
            kept[i] = create();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(kept);
        return (double)allocated / queues;
    }
}
