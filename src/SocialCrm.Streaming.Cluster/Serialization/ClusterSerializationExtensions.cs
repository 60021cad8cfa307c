using Akka.Hosting;

namespace SocialCrm.Streaming.Cluster.Serialization;

public static class ClusterSerializationExtensions
{
    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string SerializerName = "socialcrm";

    /// <summary>
    /// What is bound to <see cref="ClusterMessageSerializer"/>: the <see cref="IClusterMessage"/> marker (so a new
    /// message that has the marker but no table entry fails loudly instead of going to JSON) and every type of
    /// <see cref="ClusterMessageTable"/> (so a listed message is ours even without the marker).
    /// </summary>
    public static IReadOnlyList<Type> BoundTypes { get; } = [typeof(IClusterMessage), .. ClusterMessageTable.MessageTypes];

    /// <summary>
    /// Registers <see cref="ClusterMessageSerializer"/> for the project's messages and turns on strict serialization
    /// (<c>akka.actor.serialization-settings.allow-unregistered-types = off</c>, Akka.NET 1.5.66+): a type that no
    /// serializer is bound to is refused with a <see cref="System.Runtime.Serialization.SerializationException"/>
    /// instead of silently falling back to Newtonsoft.Json. What Akka itself sends between nodes (cluster gossip,
    /// sharding and ddata messages, remote system messages, <c>Status.Failure</c>/<c>Success</c>, strings, ints and
    /// longs) has bindings of its own; <c>Done</c>, <c>NotUsed</c>, booleans, doubles and Guids do not, so never
    /// send those across nodes as bare messages — reply with a message of the table instead.
    /// </summary>
    public static AkkaConfigurationBuilder AddClusterSerialization(this AkkaConfigurationBuilder builder) =>
        builder
            .WithCustomSerializer(SerializerName, BoundTypes, system => new ClusterMessageSerializer(system))
            .WithStrictSerialization();
}
