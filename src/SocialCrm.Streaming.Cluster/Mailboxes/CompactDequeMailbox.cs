using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace SocialCrm.Streaming.Cluster.Mailboxes;

/// <summary>
/// The mailbox type that gives an actor a <see cref="CompactDequeMessageQueue"/>: for actors that exist by the
/// hundred thousand and are idle most of the time (customer entities); it serves stashing actors too. Register <see cref="Hocon"/> in the actor
/// system's config and select it with <c>Props.WithMailbox(CompactDequeMailbox.ConfigId)</c>.
/// </summary>
/// <remarks>
/// Declaring the queue it produces is what lets Akka accept it for a stashing actor: on actor creation
/// <c>Mailboxes.GetMailboxType</c> checks that the produced queue type implements the queue semantics the actor
/// requires (<see cref="IDequeBasedMessageQueueSemantics"/> for <see cref="IWithStash"/>, its unbounded
/// variant for <see cref="IWithUnboundedStash"/>), and refuses a mailbox type that declares none.
/// </remarks>
public sealed class CompactDequeMailbox(Settings settings, Config config)
    : MailboxType(settings, config), IProducesMessageQueue<CompactDequeMessageQueue>
{
    public const string ConfigId = "socialcrm.compact-deque-mailbox";

    /// <summary>Config that registers this mailbox type under <see cref="ConfigId"/>.</summary>
    public static readonly string Hocon =
        $"{ConfigId} {{ mailbox-type = \"{typeof(CompactDequeMailbox).FullName}, {typeof(CompactDequeMailbox).Assembly.GetName().Name}\" }}";

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new CompactDequeMessageQueue();
}
