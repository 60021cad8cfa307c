using Akka.Actor;
using SocialCrm.Streaming.Cluster.Sharding;

namespace SocialCrm.Streaming.Cluster.Benchmarks;

/// <summary>Addresses one entity; the entity id is what the customer messages carry (<c>{brand}:{customerId}</c>).</summary>
public sealed record Touch(string EntityId) : IWithEntityId;

public sealed class Touched
{
    public static readonly Touched Instance = new();

    private Touched() { }
}

/// <summary>An entity that keeps nothing and answers every message: what is left is Akka's own cost of an entity.</summary>
public sealed class EmptyEntity : UntypedActor
{
    protected override void OnReceive(object message) => Sender.Tell(Touched.Instance);

    /// <summary>Created as the customer entity is (no expression compiled per activation).</summary>
    public sealed class Producer : IIndirectActorProducer
    {
        public Type ActorType => typeof(EmptyEntity);

        public ActorBase Produce() => new EmptyEntity();

        public void Release(ActorBase actor) { }
    }
}

/// <summary>
/// Touches entities <c>{prefix}:0</c> .. <c>{prefix}:{count - 1}</c> through the shard region with at most
/// <paramref name="window"/> unanswered (the pipeline's default window is 4,096 records), and completes
/// <paramref name="done"/> when every one has answered.
/// </summary>
public sealed class ActivationDriver(IActorRef region, string prefix, int count, int window, TaskCompletionSource done) : UntypedActor
{
    private int _sent;
    private int _answered;

    protected override void PreStart() => SendUpToWindow();

    protected override void OnReceive(object message)
    {
        if (message is not Touched)
        {
            Unhandled(message);
            return;
        }
        if (++_answered == count)
        {
            done.TrySetResult();
            Context.Stop(Self);
            return;
        }
        // Refilled in steps of half the window, as the pipeline's batches arrive.
        if (_sent - _answered <= window / 2)
        {
            SendUpToWindow();
        }
    }

    private void SendUpToWindow()
    {
        var until = Math.Min(count, _answered + window);
        while (_sent < until)
        {
            region.Tell(new Touch($"{prefix}:{_sent++}"));
        }
    }
}
