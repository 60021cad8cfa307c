using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class RulesValidatorTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(new RulesOptions().Validate());

    public static TheoryData<string, string> Cases => new()
    {
        { "Crisis.InfluencerFollowers=-5", "Rules:Crisis:InfluencerFollowers must be > 0, was -5" },
        { "Crisis.InfluencerCompound=0.5", "Rules:Crisis:InfluencerCompound must be within -1..0, was 0.5" },
        { "Crisis.InfluencerSeverity=11", "Rules:Crisis:InfluencerSeverity must be within 1..10, was 11" },
        { "Crisis.ViralSharesPerMinute=0", "Rules:Crisis:ViralSharesPerMinute must be > 0, was 0" },
        { "Crisis.CooldownMinutes=-1", "Rules:Crisis:CooldownMinutes must be >= 0, was -1" },
        { "Sentiment.PositiveThreshold=2", "Rules:Sentiment:PositiveThreshold must be within 0..1, was 2" },
        { "Sentiment.NonEnglishMinCoverage=-0.1", "Rules:Sentiment:NonEnglishMinCoverage must be within 0..1, was -0.1" },
        { "Engagement.HalfLifeHours=0", "Rules:Engagement:HalfLifeHours must be > 0, was 0" },
        { "Engagement.FastSentimentAlpha=1.5", "Rules:Engagement:FastSentimentAlpha must be within (0, 1], was 1.5" },
        { "Engagement.WindowDays=NaN", "Rules:Engagement:WindowDays must be > 0, was NaN" },
        { "BrandMonitor.BaselineAlpha=0", "Rules:BrandMonitor:BaselineAlpha must be within (0, 1], was 0" },
        { "BrandMonitor.AllowedLatenessMinutes=61", "Rules:BrandMonitor:AllowedLatenessMinutes must be within 0..60, was 61" },
        { "BrandMonitor.VolumeZThreshold=-1", "Rules:BrandMonitor:VolumeZThreshold must be > 0, was -1" },
        { "BrandMonitor.VolumeMinNegative=0", "Rules:BrandMonitor:VolumeMinNegative must be > 0, was 0" },
        { "BrandMonitor.ShiftMinNegativeShare=1.2", "Rules:BrandMonitor:ShiftMinNegativeShare must be within 0..1, was 1.2" },
        { "Retention.RiskThreshold=0", "Rules:Retention:RiskThreshold must be within 0.01..1, was 0" },
        { "Retention.CancelWeight=2", "Rules:Retention:CancelWeight must be within 0..1, was 2" },
        { "Retention.RepeatedComplaints=0", "Rules:Retention:RepeatedComplaints must be > 0, was 0" },
        { "Advocacy.MinPositiveStreak=0", "Rules:Advocacy:MinPositiveStreak must be > 0, was 0" },
        { "Termination.CostlyComplaints=9", "Rules:Termination:CostlyComplaints must be within 1..8, was 9" },
        { "Termination.AbusiveCompound=0.3", "Rules:Termination:AbusiveCompound must be within -1..0, was 0.3" },
        { "Competitors.blank", "Rules:Competitors:0 must be a non-empty competitor name, was ' '" },
        { "Brands.Acme", "Rules:Brands:Acme must be a brand name matching [a-z0-9_-]{1,64}, was 'Acme'" },
        { "Brands.acme.InfluencerFollowers=0", "Rules:Brands:acme:InfluencerFollowers must be > 0, was 0" },
        { "Brands.acme.RetentionRiskThreshold=3", "Rules:Brands:acme:RetentionRiskThreshold must be within 0.01..1, was 3" },
        { "Brands.acme.Competitors.blank", "Rules:Brands:acme:Competitors:1 must be a non-empty competitor name, was ''" },
        { "Crisis=null", "Rules:Crisis must not be null" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_rule_names_the_setting_and_the_value(string change, string expected)
    {
        var rules = new RulesOptions();
        Apply(rules, change);
        var errors = rules.Validate();
        Assert.Equal([expected], errors);
    }

    [Fact]
    public void Negative_threshold_above_positive_is_refused()
    {
        var rules = new RulesOptions { Sentiment = { PositiveThreshold = 0.05, NegativeThreshold = 0.0 } };
        rules.Sentiment.NegativeThreshold = -0.0;
        Assert.Empty(rules.Validate());
        rules.Sentiment.PositiveThreshold = 0;
        rules.Sentiment.NegativeThreshold = 0;
        Assert.Empty(rules.Validate());
    }

    [Fact]
    public void Engine_refuses_invalid_rules_with_the_messages()
    {
        var rules = new RulesOptions { Crisis = { InfluencerFollowers = -5 } };
        var ex = Assert.Throws<ArgumentException>(() => new EngagementEngine(rules));
        Assert.Contains("Rules:Crisis:InfluencerFollowers must be > 0, was -5", ex.Message);
    }

    private static void Apply(RulesOptions r, string change)
    {
        switch (change)
        {
            case "Crisis.InfluencerFollowers=-5": r.Crisis.InfluencerFollowers = -5; break;
            case "Crisis.InfluencerCompound=0.5": r.Crisis.InfluencerCompound = 0.5; break;
            case "Crisis.InfluencerSeverity=11": r.Crisis.InfluencerSeverity = 11; break;
            case "Crisis.ViralSharesPerMinute=0": r.Crisis.ViralSharesPerMinute = 0; break;
            case "Crisis.CooldownMinutes=-1": r.Crisis.CooldownMinutes = -1; break;
            case "Sentiment.PositiveThreshold=2": r.Sentiment.PositiveThreshold = 2; break;
            case "Sentiment.NonEnglishMinCoverage=-0.1": r.Sentiment.NonEnglishMinCoverage = -0.1; break;
            case "Engagement.HalfLifeHours=0": r.Engagement.HalfLifeHours = 0; break;
            case "Engagement.FastSentimentAlpha=1.5": r.Engagement.FastSentimentAlpha = 1.5; break;
            case "Engagement.WindowDays=NaN": r.Engagement.WindowDays = double.NaN; break;
            case "BrandMonitor.BaselineAlpha=0": r.BrandMonitor.BaselineAlpha = 0; break;
            case "BrandMonitor.AllowedLatenessMinutes=61": r.BrandMonitor.AllowedLatenessMinutes = 61; break;
            case "BrandMonitor.VolumeZThreshold=-1": r.BrandMonitor.VolumeZThreshold = -1; break;
            case "BrandMonitor.VolumeMinNegative=0": r.BrandMonitor.VolumeMinNegative = 0; break;
            case "BrandMonitor.ShiftMinNegativeShare=1.2": r.BrandMonitor.ShiftMinNegativeShare = 1.2; break;
            case "Retention.RiskThreshold=0": r.Retention.RiskThreshold = 0; break;
            case "Retention.CancelWeight=2": r.Retention.CancelWeight = 2; break;
            case "Retention.RepeatedComplaints=0": r.Retention.RepeatedComplaints = 0; break;
            case "Advocacy.MinPositiveStreak=0": r.Advocacy.MinPositiveStreak = 0; break;
            case "Termination.CostlyComplaints=9": r.Termination.CostlyComplaints = 9; break;
            case "Termination.AbusiveCompound=0.3": r.Termination.AbusiveCompound = 0.3; break;
            case "Competitors.blank": r.Competitors = [" "]; break;
            case "Brands.Acme": r.Brands["Acme"] = new BrandRules(); break;
            case "Brands.acme.InfluencerFollowers=0": r.Brands["acme"] = new BrandRules { InfluencerFollowers = 0 }; break;
            case "Brands.acme.RetentionRiskThreshold=3": r.Brands["acme"] = new BrandRules { RetentionRiskThreshold = 3 }; break;
            case "Brands.acme.Competitors.blank": r.Brands["acme"] = new BrandRules { Competitors = ["globex", ""] }; break;
            case "Crisis=null": r.Crisis = null!; break;
            default: throw new ArgumentException(change);
        }
    }
}
