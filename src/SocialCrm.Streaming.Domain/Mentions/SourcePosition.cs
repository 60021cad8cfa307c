namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>
/// Where a mention was read from: partition and offset of the input log. Plain numbers, so the
/// domain can build deterministic alert ids and applied-offset watermarks without Kafka types.
/// </summary>
public readonly record struct SourcePosition(int Partition, long Offset)
{
    public override string ToString() => $"{Partition}@{Offset}";
}
