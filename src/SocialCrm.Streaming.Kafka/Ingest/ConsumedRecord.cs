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
    DateTimeOffset AppendTime);
