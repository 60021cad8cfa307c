using Akka.Actor;
using Akka.Serialization;

namespace SocialCrm.Streaming.Cluster.Serialization;

/// <summary>
/// The serializer of every project message that crosses nodes: a compact binary format
/// with short stable manifests, driven by <see cref="ClusterMessageTable"/>. A type or manifest that is not in
/// the table is refused with a <see cref="System.Runtime.Serialization.SerializationException"/>; nothing falls
/// back to reflection-based JSON. Registered by <see cref="ClusterSerializationExtensions.AddClusterSerialization"/>.
/// </summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>
    /// Written next to every payload, so it must be the same on all nodes and never change. Akka.NET reserves
    /// 0..40 for itself and its plugins use small numbers; 4711 is ours.
    /// </summary>
    public const int SerializerIdentifier = 4711;

    public override int Identifier => SerializerIdentifier;

    public override string Manifest(object o) => ClusterMessageTable.ForType(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj) => ClusterMessageTable.Serialize(obj);

    public override object FromBinary(byte[] bytes, string manifest) => ClusterMessageTable.Deserialize(bytes, manifest);
}
