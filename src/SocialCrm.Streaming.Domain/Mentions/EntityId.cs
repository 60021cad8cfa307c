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

    public static EntityId ForCustomer(string brand, string customerId) => new($"{brand}:{customerId}", brand.Length);

    public static EntityId ForProspect(string brand, Platform platform, string authorId) =>
        new($"{brand}:{platform.ToWire()}:{authorId}", brand.Length);

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
