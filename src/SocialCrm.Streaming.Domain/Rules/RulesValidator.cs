using System.Globalization;

namespace SocialCrm.Streaming.Domain.Rules;

/// <summary>
/// Checks a <see cref="RulesOptions"/> tree. Every error names the setting path as it appears in
/// configuration, the rule and the value, e.g. <c>Rules:Crisis:InfluencerFollowers must be &gt; 0, was -5</c>.
/// </summary>
public static class RulesValidator
{
    public static IReadOnlyList<string> Validate(RulesOptions? rules)
    {
        var errors = new List<string>();
        if (rules is null)
        {
            errors.Add("Rules must be present");
            return errors;
        }
        const string r = RulesOptions.SectionName;
        var c = new Checker(errors);

        if (Null(c, rules.Sentiment, $"{r}:Sentiment") is { } s)
        {
            c.InRange($"{r}:Sentiment:PositiveThreshold", s.PositiveThreshold, 0, 1);
            c.InRange($"{r}:Sentiment:NegativeThreshold", s.NegativeThreshold, -1, 0);
            if (s.NegativeThreshold > s.PositiveThreshold)
            {
                errors.Add($"{r}:Sentiment:NegativeThreshold must be <= {r}:Sentiment:PositiveThreshold, was {F(s.NegativeThreshold)} > {F(s.PositiveThreshold)}");
            }
            c.InRange($"{r}:Sentiment:NonEnglishMinCoverage", s.NonEnglishMinCoverage, 0, 1);
            c.InRange($"{r}:Sentiment:ComplaintCompound", s.ComplaintCompound, -1, 0);
            c.InRange($"{r}:Sentiment:PraiseCompound", s.PraiseCompound, 0, 1);
        }
        if (Null(c, rules.Engagement, $"{r}:Engagement") is { } e)
        {
            c.Positive($"{r}:Engagement:HalfLifeHours", e.HalfLifeHours);
            c.Positive($"{r}:Engagement:HighEngagementScore", e.HighEngagementScore);
            c.Fraction($"{r}:Engagement:FastSentimentAlpha", e.FastSentimentAlpha);
            c.Fraction($"{r}:Engagement:SlowSentimentAlpha", e.SlowSentimentAlpha);
            c.Positive($"{r}:Engagement:WindowDays", e.WindowDays);
        }
        if (Null(c, rules.Crisis, $"{r}:Crisis") is { } k)
        {
            c.Positive($"{r}:Crisis:InfluencerFollowers", k.InfluencerFollowers);
            c.InRange($"{r}:Crisis:InfluencerCompound", k.InfluencerCompound, -1, 0);
            c.Severity($"{r}:Crisis:InfluencerSeverity", k.InfluencerSeverity);
            c.Positive($"{r}:Crisis:ViralSharesPerMinute", k.ViralSharesPerMinute);
            c.Positive($"{r}:Crisis:ViralMinShares", k.ViralMinShares);
            c.InRange($"{r}:Crisis:ViralCompound", k.ViralCompound, -1, 0);
            c.Severity($"{r}:Crisis:ViralSeverity", k.ViralSeverity);
            c.NotNegative($"{r}:Crisis:CooldownMinutes", k.CooldownMinutes);
        }
        if (Null(c, rules.BrandMonitor, $"{r}:BrandMonitor") is { } b)
        {
            c.Fraction($"{r}:BrandMonitor:BaselineAlpha", b.BaselineAlpha);
            c.NotNegative($"{r}:BrandMonitor:MinBaselineBuckets", b.MinBaselineBuckets);
            c.InRange($"{r}:BrandMonitor:AllowedLatenessMinutes", b.AllowedLatenessMinutes, 0, 60);
            c.Positive($"{r}:BrandMonitor:VolumeZThreshold", b.VolumeZThreshold);
            c.Positive($"{r}:BrandMonitor:VolumeMinNegative", b.VolumeMinNegative);
            c.InRange($"{r}:BrandMonitor:VolumeMinRatio", b.VolumeMinRatio, 1, 1000);
            c.Severity($"{r}:BrandMonitor:VolumeSeverity", b.VolumeSeverity);
            c.Positive($"{r}:BrandMonitor:ShiftZThreshold", b.ShiftZThreshold);
            c.Positive($"{r}:BrandMonitor:ShiftMinTotal", b.ShiftMinTotal);
            c.InRange($"{r}:BrandMonitor:ShiftMinNegativeShare", b.ShiftMinNegativeShare, 0, 1);
            c.Severity($"{r}:BrandMonitor:ShiftSeverity", b.ShiftSeverity);
            c.Positive($"{r}:BrandMonitor:FalseAlarmsPerMonth", b.FalseAlarmsPerMonth);
            c.InRange($"{r}:BrandMonitor:ShiftMinIncrease", b.ShiftMinIncrease, 0, 1);
            c.Fraction($"{r}:BrandMonitor:ShareBaselineAlpha", b.ShareBaselineAlpha);
            c.NotNegative($"{r}:BrandMonitor:CooldownMinutes", b.CooldownMinutes);
            c.InRange($"{r}:BrandMonitor:MaxSamples", b.MaxSamples, 0, 20);
        }
        if (Null(c, rules.Retention, $"{r}:Retention") is { } t)
        {
            c.InRange($"{r}:Retention:RiskThreshold", t.RiskThreshold, 0.01, 1);
            c.InRange($"{r}:Retention:ComplaintWeight", t.ComplaintWeight, 0, 1);
            c.Positive($"{r}:Retention:RepeatedComplaints", t.RepeatedComplaints);
            c.InRange($"{r}:Retention:CancelWeight", t.CancelWeight, 0, 1);
            c.InRange($"{r}:Retention:CompetitorWeight", t.CompetitorWeight, 0, 1);
            c.InRange($"{r}:Retention:FallingSentimentWeight", t.FallingSentimentWeight, 0, 1);
            c.InRange($"{r}:Retention:FallingSentimentDrop", t.FallingSentimentDrop, 0, 2);
            c.NotNegative($"{r}:Retention:CooldownDays", t.CooldownDays);
        }
        if (Null(c, rules.Acquisition, $"{r}:Acquisition") is { } a)
        {
            c.NotNegative($"{r}:Acquisition:HighReachFollowers", a.HighReachFollowers);
            c.NotNegative($"{r}:Acquisition:CooldownDays", a.CooldownDays);
        }
        if (Null(c, rules.Advocacy, $"{r}:Advocacy") is { } v)
        {
            c.Positive($"{r}:Advocacy:MinPositiveStreak", v.MinPositiveStreak);
            c.InRange($"{r}:Advocacy:MinSentiment", v.MinSentiment, -1, 1);
            c.NotNegative($"{r}:Advocacy:MinFollowers", v.MinFollowers);
            c.NotNegative($"{r}:Advocacy:CooldownDays", v.CooldownDays);
        }
        if (Null(c, rules.Termination, $"{r}:Termination") is { } m)
        {
            c.InRange($"{r}:Termination:AbusiveCompound", m.AbusiveCompound, -1, 0);
            c.InRange($"{r}:Termination:AbusiveCount", m.AbusiveCount, 1, CustomerWindowCapacity);
            c.InRange($"{r}:Termination:CostlyComplaints", m.CostlyComplaints, 1, CustomerWindowCapacity);
            c.NotNegative($"{r}:Termination:LowValueClv", m.LowValueClv);
            c.NotNegative($"{r}:Termination:CooldownDays", m.CooldownDays);
        }
        CheckCompetitors(errors, $"{r}:Competitors", rules.Competitors);
        if (rules.Brands is null)
        {
            errors.Add($"{r}:Brands must not be null");
        }
        else
        {
            foreach (var (brand, overrides) in rules.Brands.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var path = $"{r}:Brands:{brand}";
                if (string.IsNullOrEmpty(brand) || brand.Length > 64 || brand.Any(ch => !(ch is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-')))
                {
                    errors.Add($"{path} must be a brand name matching [a-z0-9_-]{{1,64}}, was '{brand}'");
                }
                if (overrides is null)
                {
                    errors.Add($"{path} must not be null");
                    continue;
                }
                CheckCompetitors(errors, $"{path}:Competitors", overrides.Competitors);
                if (overrides.InfluencerFollowers is { } f) c.Positive($"{path}:InfluencerFollowers", f);
                if (overrides.InfluencerCompound is { } ic) c.InRange($"{path}:InfluencerCompound", ic, -1, 0);
                if (overrides.VolumeZThreshold is { } z) c.Positive($"{path}:VolumeZThreshold", z);
                if (overrides.VolumeMinNegative is { } n) c.Positive($"{path}:VolumeMinNegative", n);
                if (overrides.RetentionRiskThreshold is { } rt) c.InRange($"{path}:RetentionRiskThreshold", rt, 0.01, 1);
            }
        }
        return errors;
    }

    /// <summary>How many timestamps a customer keeps per sliding window (complaints, abusive mentions).</summary>
    public const int CustomerWindowCapacity = 8;

    private static T? Null<T>(Checker c, T? value, string path) where T : class
    {
        if (value is null)
        {
            c.Errors.Add($"{path} must not be null");
        }
        return value;
    }

    private static void CheckCompetitors(List<string> errors, string path, List<string>? names)
    {
        if (names is null)
        {
            errors.Add($"{path} must not be null");
            return;
        }
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
            {
                errors.Add($"{path}:{i} must be a non-empty competitor name, was '{names[i]}'");
            }
            else if (names[i].Length > 64)
            {
                errors.Add($"{path}:{i} must have at most 64 characters, has {names[i].Length}");
            }
        }
    }

    private static string F(double value) => value.ToString(CultureInfo.InvariantCulture);

    private readonly record struct Checker(List<string> Errors)
    {
        public void Positive(string path, double value)
        {
            if (!(value > 0) || double.IsInfinity(value)) Errors.Add($"{path} must be > 0, was {F(value)}");
        }

        public void NotNegative(string path, double value)
        {
            if (!(value >= 0) || double.IsInfinity(value)) Errors.Add($"{path} must be >= 0, was {F(value)}");
        }

        public void InRange(string path, double value, double min, double max)
        {
            if (!(value >= min && value <= max)) Errors.Add($"{path} must be within {F(min)}..{F(max)}, was {F(value)}");
        }

        /// <summary>An EWMA weight: in (0, 1].</summary>
        public void Fraction(string path, double value)
        {
            if (!(value > 0 && value <= 1)) Errors.Add($"{path} must be within (0, 1], was {F(value)}");
        }

        public void Severity(string path, int value) => InRange(path, value, 1, 10);
    }
}
