namespace SocialCrm.Streaming.Domain.Profiles;

/// <summary>Value tier from the CRM (80/20: spend on the valuable ones). Unknown = no profile.</summary>
public enum ValueTier : byte { Unknown, Bronze, Silver, Gold, Platinum }

public static class ValueTierNames
{
    public static string ToWire(this ValueTier tier) => tier switch
    {
        ValueTier.Platinum => "platinum",
        ValueTier.Gold => "gold",
        ValueTier.Silver => "silver",
        ValueTier.Bronze => "bronze",
        ValueTier.Unknown => "unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "not a value tier"),
    };

    public static bool TryParse(string? value, out ValueTier tier)
    {
        ValueTier? parsed = value switch
        {
            "platinum" => ValueTier.Platinum,
            "gold" => ValueTier.Gold,
            "silver" => ValueTier.Silver,
            "bronze" => ValueTier.Bronze,
            "unknown" or null => ValueTier.Unknown,
            _ => null,
        };
        tier = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }
}

/// <summary>
/// The CRM's view of a customer (topic <c>crm.customer-profiles</c>). A tombstone (null profile) means
/// "forget this customer". <see cref="ConsentProcessing"/> is true only when the profile says so explicitly;
/// false: see <see cref="Engagement.EngagementEngine"/> for what is still done.
/// </summary>
public sealed record CustomerProfile(ValueTier Tier, double Clv, string? Segment, bool ConsentProcessing);
