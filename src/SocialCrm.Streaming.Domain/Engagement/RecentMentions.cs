using System.Runtime.CompilerServices;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Engagement;

/// <summary>
/// Keys of a customer's last <see cref="Slots"/> mentions, inline in the state (no allocation), so that a mention
/// delivered again (same platform and id, at another offset: a connector that resends, a producer retrying without
/// idempotence) counts once. A key is a 64-bit hash of platform and id, never 0 (an empty slot): two different mentions
/// of one customer share a key with odds of about 1 in 2^61, while a smaller key would in time drop real mentions.
/// The n-th mention applied goes to slot n mod <see cref="Slots"/>, so each write stores one slot, as an integer.
/// </summary>
[InlineArray(Slots)]
internal struct RecentMentions
{
    public const int Slots = 8;
    private long _key;

    public readonly bool Contains(long key)
    {
        foreach (var held in this)
        {
            if (held == key) return true;
        }
        return false;
    }

    /// <summary>FNV-1a over the platform and the id's UTF-16 code units: the same in every process and every run.</summary>
    public static long KeyOf(Mention mention)
    {
        const ulong prime = 1099511628211;
        var hash = 14695981039346656037UL;
        hash = (hash ^ (ulong)mention.Platform) * prime;
        foreach (var c in mention.Id)
        {
            hash = (hash ^ (byte)c) * prime;
            hash = (hash ^ (byte)(c >> 8)) * prime;
        }
        return hash == 0 ? 1 : unchecked((long)hash);
    }
}
