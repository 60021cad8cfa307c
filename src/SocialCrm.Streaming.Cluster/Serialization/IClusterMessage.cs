namespace SocialCrm.Streaming.Cluster.Serialization;

/// <summary>
/// Marks a message that may cross nodes. The marker is bound to <see cref="ClusterMessageSerializer"/>, so a
/// marked type never reaches Akka's Newtonsoft fallback: if it has no entry in <see cref="ClusterMessageTable"/>
/// yet, serializing it fails loudly. Every message of the project's protocols implements it.
/// </summary>
public interface IClusterMessage;
