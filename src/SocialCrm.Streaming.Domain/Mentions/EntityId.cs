using System.Text;

namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>
/// The identity of one customer (or prospect) of one brand: the Kafka key, the shard key and,
/// without its brand prefix, the Redis key suffix.
/// </summary>
public readonly record struct EntityId
{
    private EntityId(string value, int brandLength)
    {
        Value = value;
        BrandLength = brandLength;
    }

    public string Value { get; }
    private int BrandLength { get; }

    public string Brand => Value[..BrandLength];

    /// <summary>The id within the brand: what follows <c>{brand}:</c>.</summary>
    public string LocalId => Value[(BrandLength + 1)..];

    /// <summary><see cref="Brand"/> without making a string.</summary>
    public ReadOnlySpan<char> BrandSpan => Value.AsSpan(0, BrandLength);

    /// <summary><see cref="LocalId"/> without making a string.</summary>
    public ReadOnlySpan<char> LocalIdSpan => Value.AsSpan(BrandLength + 1);

    /// <summary>A customer's id; <paramref name="customerId"/> must satisfy <see cref="IsCustomerId"/> (the parsers check it).</summary>
    public static EntityId ForCustomer(string brand, string customerId) => IsCustomerId(customerId)
        ? new($"{brand}:{customerId}", brand.Length)
        : throw new ArgumentException($"a customer id must not be empty, nor contain ':', nor be longer than {MentionParser.MaxIdLength} characters", nameof(customerId));

    /// <summary>
    /// Customer ids have no colon, so <c>{brand}:{customerId}</c> (one colon) can never equal a prospect's
    /// <c>{brand}:{platform}:{authorId}</c> (two or more): a CRM id such as <c>x:123</c> is refused, not escaped. Like
    /// every id of the mention contract, it is at most <see cref="MentionParser.MaxIdLength"/> characters.
    /// </summary>
    public static bool IsCustomerId(ReadOnlySpan<char> customerId) =>
        !customerId.IsEmpty && customerId.Length <= MentionParser.MaxIdLength && !customerId.Contains(':');

    /// <summary>A prospect's id within its brand, <c>{platform}:{authorId}</c>: a known platform and an author id a mention could carry.</summary>
    public static bool IsProspectId(string localId) =>
        localId.Split(':', 2) is [var platform, { Length: > 0 and <= MentionParser.MaxIdLength }] && PlatformNames.TryParsePlatform(platform, out _);

    /// <summary>The rule of a customer key, as refusals quote it.</summary>
    public static readonly string CustomerKeyRule =
        $"brand:customerId (a brand of a-z, 0-9, '_' and '-', one colon, a customer id of at most {MentionParser.MaxIdLength} characters without ':')";

    /// <summary>
    /// Reads a customer key (a profile's Kafka key): exactly <c>{brand}:{customerId}</c>, one colon, with a brand and a
    /// customer id that a mention could carry (so no profile lands on an entity that no mention can reach).
    /// </summary>
    public static bool TryParseCustomer(string value, out EntityId id)
    {
        if (TryParse(value, out id) && IsContractBrand(id) && IsCustomerId(id.LocalIdSpan))
        {
            return true;
        }
        id = default;
        return false;
    }

    /// <summary>
    /// Reads a customer key, or a prospect's entity id <c>{brand}:{platform}:{authorId}</c> (a known platform and an author
    /// id a mention could carry): any entity a mention can reach. A tombstone's key is one (a prospect can be forgotten
    /// but has no profile), and so is what the console is asked to show.
    /// </summary>
    public static bool TryParseCustomerOrProspect(string value, out EntityId id)
    {
        if (TryParseCustomer(value, out id))
        {
            return true;
        }
        if (TryParse(value, out id) && IsContractBrand(id) && IsProspectId(id.LocalId))
        {
            return true;
        }
        id = default;
        return false;
    }

    private static bool IsContractBrand(EntityId id) => MentionParser.IsValidBrand(id.Brand);

    public static EntityId ForProspect(string brand, Platform platform, string authorId) =>
        new($"{brand}:{platform.ToWire()}:{authorId}", brand.Length);

    /// <summary>
    /// Whether <paramref name="utf8"/> is the UTF-8 of <paramref name="parts"/> joined by colons, as the id made of them
    /// would encode (an unpaired surrogate as U+FFFD), without making the id.
    /// </summary>
    public static bool IsUtf8Of(ReadOnlySpan<byte> utf8, params ReadOnlySpan<string> parts)
    {
        // UTF-8 takes at most 3 bytes per UTF-16 character (GetMaxByteCount adds one for a pending surrogate).
        Span<byte> encoded = stackalloc byte[3 * (MentionParser.MaxIdLength + 1)];
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                if (utf8.IsEmpty || utf8[0] != (byte)':')
                {
                    return false;
                }
                utf8 = utf8[1..];
            }
            // Parts are ids and brands (at most MaxIdLength characters); a longer one is encoded on the heap.
            var part = Encoding.UTF8.GetMaxByteCount(parts[i].Length) <= encoded.Length
                ? encoded[..Encoding.UTF8.GetBytes(parts[i], encoded)]
                : Encoding.UTF8.GetBytes(parts[i]);
            if (!utf8.StartsWith(part))
            {
                return false;
            }
            utf8 = utf8[part.Length..];
        }
        return utf8.IsEmpty;
    }

    /// <summary>Reads an entity id from its string form; the brand is everything before the first colon.</summary>
    public static bool TryParse(string value, out EntityId id)
    {
        var colon = value.IndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            id = default;
            return false;
        }
        id = new EntityId(value, colon);
        return true;
    }

    public static EntityId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"'{value}' is not an entity id of the form brand:id");

    public override string ToString() => Value;
}
