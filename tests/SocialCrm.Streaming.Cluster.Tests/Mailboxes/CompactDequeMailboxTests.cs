using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using SocialCrm.Streaming.Cluster.Mailboxes;

namespace SocialCrm.Streaming.Cluster.Tests.Mailboxes;

/// <summary>The mailbox inside a real actor system, registered with its HOCON and chosen with <c>Props.WithMailbox</c>.</summary>
public sealed class CompactDequeMailboxTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ActorSystem _system = ActorSystem.Create("compact-mailbox-tests", ConfigurationFactory.ParseString($"""
        {CompactDequeMailbox.Hocon}
        akka.loglevel = WARNING
        akka.log-dead-letters = off
        """));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _system.Terminate();

    private sealed record Numbered(int Producer, int Sequence);

    private sealed record Leftover(int Sequence);

    private sealed record Hold(ManualResetEventSlim Gate);

    private sealed class Close
    {
        public static readonly Close Instance = new();
    }

    private sealed class Open
    {
        public static readonly Open Instance = new();
    }

    private sealed class Report
    {
        public static readonly Report Instance = new();
    }

    private sealed class WhichQueue
    {
        public static readonly WhichQueue Instance = new();
    }

    /// <summary>The type of message queue Akka actually created for the actor, which a living actor always has.</summary>
    private static Type QueueTypeOf(IActorContext context) => ((ActorCell)context).Mailbox!.MessageQueue.GetType();

    /// <summary>Records what it processes; while closed it stashes everything, and unstashes it all when opened.</summary>
    private sealed class GatedRecorder : ReceiveActor, IWithStash
    {
        private readonly List<object> _processed = [];

        public GatedRecorder(bool startClosed)
        {
            if (startClosed)
            {
                Closed();
            }
            else
            {
                Opened();
            }
        }

        public IStash Stash { get; set; } = null!;

        private void Opened()
        {
            Answering();
            Receive<Close>(_ => Become(Closed));
            Receive<Open>(_ => { });
            Receive<Hold>(hold => hold.Gate.Wait());
            ReceiveAny(_processed.Add);
        }

        private void Closed()
        {
            Answering();
            Receive<Close>(_ => { });
            Receive<Open>(_ =>
            {
                Become(Opened);
                Stash.UnstashAll();
            });
            ReceiveAny(_ => Stash.Stash());
        }

        private void Answering()
        {
            Receive<Report>(_ => Sender.Tell(_processed.ToArray()));
            Receive<WhichQueue>(_ => Sender.Tell(QueueTypeOf(Context)));
        }
    }

    /// <summary>BrandMonitorEntity's flavour of stash requires the unbounded deque semantics.</summary>
    private sealed class UnboundedStasher : ReceiveActor, IWithUnboundedStash
    {
        public UnboundedStasher() => Receive<WhichQueue>(_ => Sender.Tell(QueueTypeOf(Context)));

        public IStash Stash { get; set; } = null!;
    }

    /// <summary>Collects the messages of dead letters published on the event stream.</summary>
    private sealed class DeadLetterCollector : ReceiveActor
    {
        private readonly List<object> _messages = [];

        public DeadLetterCollector()
        {
            Receive<DeadLetter>(dead => _messages.Add(dead.Message));
            Receive<Report>(_ => Sender.Tell(_messages.ToArray()));
        }
    }

    private IActorRef Recorder(bool startClosed = false) =>
        _system.ActorOf(Props.Create(() => new GatedRecorder(startClosed)).WithMailbox(CompactDequeMailbox.ConfigId));

    [Fact]
    public async Task Stashing_actors_of_both_flavours_get_the_compact_queue()
    {
        var stasher = Recorder();
        var unboundedStasher = _system.ActorOf(Props.Create<UnboundedStasher>().WithMailbox(CompactDequeMailbox.ConfigId));

        Assert.Equal(typeof(CompactDequeMessageQueue), await stasher.Ask<Type>(WhichQueue.Instance, Patience));
        Assert.Equal(typeof(CompactDequeMessageQueue), await unboundedStasher.Ask<Type>(WhichQueue.Instance, Patience));
    }

    /// <summary>
    /// One sender, with the actor closing and opening at random: whatever it stashed and unstashed in between,
    /// it processes every message exactly in the order sent.
    /// </summary>
    [Fact]
    public async Task Stash_and_unstash_keep_the_order_of_messages()
    {
        const int messages = 20_000;
        var random = new Random(7);
        var recorder = Recorder(startClosed: true);

        for (var i = 0; i < messages; i++)
        {
            recorder.Tell(i);
            if (random.Next(20) == 0)
            {
                recorder.Tell(random.Next(2) == 0 ? Close.Instance : Open.Instance);
            }
        }

        recorder.Tell(Open.Instance);

        var processed = await recorder.Ask<object[]>(Report.Instance, Patience);
        Assert.Equal(Enumerable.Range(0, messages).Cast<object>(), processed);
    }

    /// <summary>
    /// Several threads send at once while another keeps closing and opening the actor: none of their messages is
    /// lost, and each thread's messages are processed in the order that thread sent them.
    /// </summary>
    [Fact]
    public async Task Many_concurrent_senders_lose_nothing_and_keep_their_own_order()
    {
        const int senders = 4;
        const int perSender = 25_000;
        var recorder = Recorder();
        using var start = new Barrier(senders + 1);

        var sending = Enumerable.Range(0, senders).Select(sender => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var sequence = 0; sequence < perSender; sequence++)
            {
                recorder.Tell(new Numbered(sender, sequence));
            }
        }, TaskCreationOptions.LongRunning)).Append(Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var toggle = 0; toggle < 2_000; toggle++)
            {
                recorder.Tell(Close.Instance);
                recorder.Tell(Open.Instance);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(sending);

        var processed = (await recorder.Ask<object[]>(Report.Instance, Patience)).Cast<Numbered>().ToList();

        Assert.Equal(senders * perSender, processed.Count);
        for (var sender = 0; sender < senders; sender++)
        {
            var own = processed.Where(m => m.Producer == sender).Select(m => m.Sequence);
            Assert.Equal(Enumerable.Range(0, perSender), own);
        }
    }

    [Fact]
    public async Task Messages_left_when_the_actor_stops_go_to_dead_letters()
    {
        var collector = _system.ActorOf(Props.Create<DeadLetterCollector>());
        Assert.True(_system.EventStream.Subscribe(collector, typeof(DeadLetter)));
        var recorder = Recorder();
        using var gate = new ManualResetEventSlim();

        // Held inside one message, the actor cannot take the others before it reaches the poison pill.
        recorder.Tell(new Hold(gate));
        recorder.Tell(PoisonPill.Instance);
        for (var i = 0; i < 10; i++)
        {
            recorder.Tell(new Leftover(i));
        }

        gate.Set();

        var expected = Enumerable.Range(0, 10).Select(i => new Leftover(i)).ToArray();
        var deadline = DateTime.UtcNow + Patience;
        object[] dead;
        do
        {
            await Task.Delay(50);
            dead = (await collector.Ask<object[]>(Report.Instance, Patience)).OfType<Leftover>().ToArray();
        }
        while (dead.Length < expected.Length && DateTime.UtcNow < deadline);

        Assert.Equal(expected, dead);
    }
}
