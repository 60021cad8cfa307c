using Confluent.Kafka;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Kafka.Ingest;

/// <summary>One record as read from an input topic, before it is parsed. A null value is a tombstone.</summary>
public sealed record ConsumedRecord(
    string Topic,
    SourcePosition Position,
    byte[]? Key,
    byte[]? Value,
    Headers? Headers,
    DateTimeOffset AppendTime)
{
    /// <summary>
    /// The commit point of the assignment that handed the record out: a record of an earlier assignment that finishes
    /// late is done there, not in the partition's current one, which hands it out again.
    /// </summary>
    internal PartitionOffsetTracker? Tracker { get; init; }
}
