using SocialCrm.Streaming.Domain.Analysis;

namespace SocialCrm.Streaming.Domain.Rules;

/// <summary>The effective settings of one brand: global rules with the brand's overrides applied.</summary>
public sealed class ResolvedBrandRules
{
    public required CompetitorSet Competitors { get; init; }
    public required long InfluencerFollowers { get; init; }
    public required double InfluencerCompound { get; init; }
    public required double VolumeZThreshold { get; init; }
    public required int VolumeMinNegative { get; init; }
    public required double RetentionRiskThreshold { get; init; }

    public static ResolvedBrandRules Resolve(RulesOptions rules, BrandRules? brand) => new()
    {
        Competitors = new CompetitorSet(rules.Competitors.Concat(brand?.Competitors ?? [])),
        InfluencerFollowers = brand?.InfluencerFollowers ?? rules.Crisis.InfluencerFollowers,
        InfluencerCompound = brand?.InfluencerCompound ?? rules.Crisis.InfluencerCompound,
        VolumeZThreshold = brand?.VolumeZThreshold ?? rules.BrandMonitor.VolumeZThreshold,
        VolumeMinNegative = brand?.VolumeMinNegative ?? rules.BrandMonitor.VolumeMinNegative,
        RetentionRiskThreshold = brand?.RetentionRiskThreshold ?? rules.Retention.RiskThreshold,
    };
}

/// <summary>Per-brand resolution, built once: brands without overrides share the default.</summary>
internal sealed class BrandRulesTable
{
    private readonly Dictionary<string, ResolvedBrandRules> _brands;
    private readonly ResolvedBrandRules _default;

    public BrandRulesTable(RulesOptions rules)
    {
        _default = ResolvedBrandRules.Resolve(rules, null);
        _brands = rules.Brands.ToDictionary(b => b.Key, b => ResolvedBrandRules.Resolve(rules, b.Value), StringComparer.Ordinal);
    }

    public ResolvedBrandRules For(string brand) => _brands.TryGetValue(brand, out var resolved) ? resolved : _default;
}
