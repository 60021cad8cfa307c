using Akka.Actor;
using Akka.Routing;

namespace SocialCrm.Streaming.Cluster.Sharding;

/// <summary>
/// The deployment of entities that a node creates by the hundred thousand: only their mailbox. When a shard creates a
/// child, Akka 1.5's provider falls the props' deployment back onto one that sets nothing, and every <see cref="Deploy"/>
/// it builds parses an empty HOCON text again (576 B and about half a microsecond each, measured with Akka 1.5.75).
/// Falling back onto a deployment that sets nothing gives this one unchanged, so that step builds nothing; any other
/// fallback merges as Akka's does.
/// </summary>
public sealed class EntityDeploy(string mailbox)
    : Deploy("", None.Config, NoRouter.Instance, NoScopeGiven, NoDispatcherGiven, mailbox)
{
    /// <summary>Props of <paramref name="producer"/>'s actors with this deployment: what a shard region's entity props should be.</summary>
    public static Props Props(IIndirectActorProducer producer, string mailbox) =>
        Akka.Actor.Props.CreateBy(producer).WithDeploy(new EntityDeploy(mailbox));

    public override Deploy WithFallback(Deploy other) => other.Equals(None) ? this : base.WithFallback(other);
}
