using Akka.Actor;
using SocialCrm.Streaming.Cluster.Mailboxes;
using SocialCrm.Streaming.Cluster.Sharding;

namespace SocialCrm.Streaming.Cluster.Tests.Sharding;

/// <summary>
/// The entities' deployment: the mailbox it names, and a merge that builds nothing where nothing is to merge, under the
/// cluster's actor provider (whose child creation does that merge).
/// </summary>
public sealed class EntityDeployTests() : Akka.TestKit.Xunit2.TestKit($"""
    {CompactDequeMailbox.Hocon}
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp.hostname = 127.0.0.1
    akka.remote.dot-netty.tcp.port = 0
    """)
{
    private sealed class QueueReporter : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(((ActorCell)Context).Mailbox!.MessageQueue.GetType());

        public sealed class Producer : IIndirectActorProducer
        {
            public Type ActorType => typeof(QueueReporter);

            public ActorBase Produce() => new QueueReporter();

            public void Release(ActorBase actor) { }
        }
    }

    /// <summary>Creates its children on request, as a shard does: a child of a user actor under the cluster's provider.</summary>
    private sealed class Parent(Props childProps) : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(Context.ActorOf(childProps, (string)message));
    }

    [Fact]
    public void Falling_back_onto_a_deployment_that_sets_nothing_is_the_deployment_itself()
    {
        var deploy = new EntityDeploy(CompactDequeMailbox.ConfigId);

        Assert.Same(deploy, deploy.WithFallback(Deploy.None));
        Assert.Same(deploy, deploy.WithFallback(new Deploy()));
        // Props start from a deployment that sets nothing, so the props keep the entity deployment itself.
        Assert.IsType<EntityDeploy>(EntityDeploy.Props(new QueueReporter.Producer(), CompactDequeMailbox.ConfigId).Deploy);
    }

    [Fact]
    public void Falling_back_onto_a_deployment_that_sets_something_merges_both()
    {
        var deploy = new EntityDeploy(CompactDequeMailbox.ConfigId);

        var merged = deploy.WithFallback(Deploy.None.WithDispatcher("akka.actor.internal-dispatcher").WithStashCapacity(7));

        Assert.NotSame(deploy, merged);
        Assert.Equal(CompactDequeMailbox.ConfigId, merged.Mailbox);
        Assert.Equal("akka.actor.internal-dispatcher", merged.Dispatcher);
        Assert.Equal(7, merged.StashCapacity);
    }

    [Fact]
    public async Task Entities_created_with_its_props_get_the_mailbox_it_names()
    {
        var props = EntityDeploy.Props(new QueueReporter.Producer(), CompactDequeMailbox.ConfigId);
        Assert.Equal(CompactDequeMailbox.ConfigId, props.Mailbox);
        var parent = Sys.ActorOf(Akka.Actor.Props.Create(() => new Parent(props)), "parent");

        foreach (var name in new[] { "acme:1", "acme:2" })
        {
            var child = await parent.Ask<IActorRef>(name, RemainingOrDefault);
            Assert.Equal(typeof(CompactDequeMessageQueue), await child.Ask<Type>("which queue", RemainingOrDefault));
        }
    }
}
