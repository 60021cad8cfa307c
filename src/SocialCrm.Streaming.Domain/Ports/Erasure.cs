using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>
/// One erasure in effect: the entity a tombstone at <see cref="Tombstone"/> (profiles topic) forgot. Its id is
/// deterministic (a hash of the entity and the tombstone's position), so an erasure announced twice (a retry,
/// a replay before the marker was stored) carries the same id and consumers apply it once.
/// </summary>
public sealed record Erasure(EntityId Entity, SourcePosition Tombstone)
{
    public string Id { get; } = MakeId(Entity, Tombstone);

    /// <summary>The event of <c>social.erasures</c> (topology/schemas/erasure.schema.json); <paramref name="erasedAt"/> is when the node carried it out.</summary>
    public string ToJson(DateTimeOffset erasedAt)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, AlertJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("erasureId"u8, Id);
            w.WriteString("brand"u8, Entity.Brand);
            w.WriteString("entityId"u8, Entity.Value);
            if (EntityId.IsCustomerId(Entity.LocalIdSpan))
            {
                w.WriteString("subject"u8, "customer"u8);
                w.WriteString("customerId"u8, Entity.LocalId);
            }
            else
            {
                w.WriteString("subject"u8, "prospect"u8);
            }
            w.WriteStartObject("tombstone"u8);
            w.WriteNumber("partition"u8, Tombstone.Partition);
            w.WriteNumber("offset"u8, Tombstone.Offset);
            w.WriteEndObject();
            w.WriteString("erasedAt"u8, AlertJson.FormatTime(erasedAt));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string MakeId(EntityId entity, SourcePosition tombstone)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"erasure\n{entity.Value}\n{tombstone}"), hash);
        return "ers-" + Convert.ToHexStringLower(hash[..8]);
    }
}

/// <summary>Announces erasures downstream (topic <c>social.erasures</c>), so CRM systems can follow.</summary>
public interface IErasurePublisher
{
    /// <summary>Completes once the broker acknowledged the event.</summary>
    Task PublishAsync(Erasure erasure, CancellationToken cancellationToken);
}
