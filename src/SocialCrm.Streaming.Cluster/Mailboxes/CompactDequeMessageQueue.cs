using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace SocialCrm.Streaming.Cluster.Mailboxes;

/// <summary>
/// An unbounded double-ended message queue that holds no storage while it is empty: its envelopes live in a
/// ring allocated by the first enqueue, doubled when full and dropped once drained. Akka's own deque queue keeps
/// a 32-slot ConcurrentQueue segment and a Stack alive for the actor's whole life (~1.1 KB per idle actor); an
/// empty one of these is a single 32-byte object.
/// </summary>
/// <remarks>
/// Any thread enqueues; only the actor's own run dequeues and puts unstashed messages back in front
/// (<see cref="EnqueueFirst"/>). Every change happens under the monitor of the queue itself: a thin lock lives in
/// the object header, so it costs no allocation per actor, and nothing but this class locks on a message queue.
/// </remarks>
public sealed class CompactDequeMessageQueue : IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    /// <summary>
    /// Small, because most actors hold one or two messages at a time and the ring is dropped once drained. A power
    /// of two, as doubling keeps it, so that a mask rather than a division wraps an index around the ring.
    /// </summary>
    private const int InitialCapacity = 4;

    /// <summary>
    /// Drained rings of <see cref="InitialCapacity"/> kept per thread for the next empty queue to take: an idle actor
    /// gets a ring with each message and drops it once it has handled it, which was a garbage array per delivery.
    /// Bounded, so a thread that only drains (the actors run there, the senders elsewhere) holds under a kilobyte of them.
    /// </summary>
    private const int SpareRingsPerThread = 8;

    [ThreadStatic]
    private static Envelope[]?[]? t_spareRings;

    [ThreadStatic]
    private static int t_spareCount;

    private Envelope[]? _ring;
    private int _head;

    // Changed only under the lock; read without it by the dispatcher, which (like Akka's queues) may see a
    // value that is an instant old: the lock's release makes every change visible before the enqueuer schedules the actor.
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (this)
        {
            var ring = RingWithRoomForOneMore();
            ring[(_head + _count) & (ring.Length - 1)] = envelope;
            _count++;
        }
    }

    /// <summary>Puts an envelope before all others: how the stash hands messages back, newest-stashed first.</summary>
    public void EnqueueFirst(Envelope envelope)
    {
        lock (this)
        {
            var ring = RingWithRoomForOneMore();
            _head = (_head - 1) & (ring.Length - 1);
            ring[_head] = envelope;
            _count++;
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        // Only the actor's run dequeues, so an empty queue stays empty for it until an enqueue, which also
        // schedules the actor again: no need to take the lock just to find nothing.
        if (Volatile.Read(ref _count) == 0)
        {
            envelope = default;
            return false;
        }

        lock (this)
        {
            var ring = _ring!;
            envelope = ring[_head];
            _count--;
            if (_count == 0)
            {
                ring[_head] = default;
                _ring = null;
                _head = 0;
                KeepSpare(ring);
            }
            else
            {
                ring[_head] = default;
                _head = (_head + 1) & (ring.Length - 1);
            }

            return true;
        }
    }

    /// <summary>Hands what is left to dead letters when the actor stops, as Akka's own queues do.</summary>
    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }

    private Envelope[] RingWithRoomForOneMore()
    {
        if (_ring is null)
        {
            return _ring = TakeSpare() ?? new Envelope[InitialCapacity];
        }

        if (_count == _ring.Length)
        {
            var grown = new Envelope[_ring.Length * 2];
            var firstPart = _ring.Length - _head;
            Array.Copy(_ring, _head, grown, 0, firstPart);
            Array.Copy(_ring, 0, grown, firstPart, _head);
            _ring = grown;
            _head = 0;
        }

        return _ring;
    }

    /// <summary>Keeps a drained ring (every slot cleared) for this thread's next empty queue, if it is a first-size one and there is room.</summary>
    private static void KeepSpare(Envelope[] ring)
    {
        if (ring.Length != InitialCapacity || t_spareCount == SpareRingsPerThread)
        {
            return;
        }
        (t_spareRings ??= new Envelope[]?[SpareRingsPerThread])[t_spareCount++] = ring;
    }

    private static Envelope[]? TakeSpare()
    {
        if (t_spareCount == 0)
        {
            return null;
        }
        var ring = t_spareRings![--t_spareCount];
        t_spareRings[t_spareCount] = null;
        return ring;
    }
}
