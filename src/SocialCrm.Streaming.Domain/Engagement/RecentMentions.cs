using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Engagement;

[InlineArray(Capacity)]
internal struct MentionKeyBuffer
{
    public const int Capacity = 8;
    private ulong _element;
}

/// <summary>
/// Keys of a customer's last <see cref="MentionKeyBuffer.Capacity"/> mentions, inline in the state (no allocation), so
/// that a mention delivered again (same platform and id, at another offset: a connector that resends, a producer
/// retrying without idempotence) counts once. A key is a 64-bit hash of platform and id: two different mentions of one
/// customer share a key with odds of about 1 in 2^61, while a smaller key would in time drop real mentions.
/// </summary>
internal struct RecentMentions
{
    private MentionKeyBuffer _keys;
    private byte _count;
    private byte _next;

    public readonly bool Contains(ulong key)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_keys[i] == key) return true;
        }
        return false;
    }

    public void Add(ulong key)
    {
        _keys[_next] = key;
        _next = (byte)((_next + 1) % MentionKeyBuffer.Capacity);
        if (_count < MentionKeyBuffer.Capacity) _count++;
    }

    public void Clear() => this = default;

    /// <summary>FNV-1a over the platform and the id's UTF-16 code units: the same in every process and every run.</summary>
    public static ulong KeyOf(Mention mention)
    {
        const ulong prime = 1099511628211;
        var hash = 14695981039346656037UL;
        hash = (hash ^ (ulong)mention.Platform) * prime;
        foreach (var c in mention.Id)
        {
            hash = (hash ^ (byte)c) * prime;
            hash = (hash ^ (byte)(c >> 8)) * prime;
        }
        return hash;
    }

    /// <summary>Oldest first, 8 little-endian bytes a key, in base64; empty when nothing was kept.</summary>
    public readonly string Serialize()
    {
        if (_count == 0) return "";
        Span<byte> bytes = stackalloc byte[MentionKeyBuffer.Capacity * sizeof(ulong)];
        var start = _count < MentionKeyBuffer.Capacity ? 0 : _next;
        for (var i = 0; i < _count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes[(i * sizeof(ulong))..], _keys[(start + i) % MentionKeyBuffer.Capacity]);
        }
        return Convert.ToBase64String(bytes[..(_count * sizeof(ulong))]);
    }

    /// <summary>Reads <see cref="Serialize"/>'s text. Throws <see cref="FormatException"/> on anything else.</summary>
    public static RecentMentions Parse(string value)
    {
        var recent = new RecentMentions();
        Span<byte> bytes = stackalloc byte[MentionKeyBuffer.Capacity * sizeof(ulong)];
        if (!Convert.TryFromBase64String(value, bytes, out var length) || length % sizeof(ulong) != 0)
        {
            throw new FormatException("recent mentions are not base64 of 8-byte keys");
        }
        for (var offset = 0; offset < length; offset += sizeof(ulong))
        {
            recent.Add(BinaryPrimitives.ReadUInt64LittleEndian(bytes[offset..]));
        }
        return recent;
    }
}
