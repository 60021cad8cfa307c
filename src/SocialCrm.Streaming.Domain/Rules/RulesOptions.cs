namespace SocialCrm.Streaming.Domain.Rules;

/// <summary>
/// Every threshold of the domain: sentiment, engagement, crisis detection, lifecycle triggers.
/// Bound from the appsettings.json section <c>Rules</c> (public settable properties, sensible
/// defaults); <see cref="Brands"/> holds per-brand overrides. Validate with <see cref="RulesValidator"/>.
/// Times are event-time durations (the domain has no clock).
/// </summary>
public sealed class RulesOptions
{
    public const string SectionName = "Rules";

    public SentimentRules Sentiment { get; set; } = new();
    public EngagementRules Engagement { get; set; } = new();
    public CrisisRules Crisis { get; set; } = new();
    public BrandMonitorRules BrandMonitor { get; set; } = new();
    public RetentionRules Retention { get; set; } = new();
    public AcquisitionRules Acquisition { get; set; } = new();
    public AdvocacyRules Advocacy { get; set; } = new();
    public TerminationRules Termination { get; set; } = new();

    /// <summary>Competitor names that apply to every brand (case-insensitive, may be several words).</summary>
    public List<string> Competitors { get; set; } = [];

    /// <summary>Per-brand overrides keyed by brand (the mention's <c>brand</c> field).</summary>
    public Dictionary<string, BrandRules> Brands { get; set; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Validate() => RulesValidator.Validate(this);
}

public sealed class SentimentRules
{
    /// <summary>compound &gt;= this is positive (VADER's conventional 0.05).</summary>
    public double PositiveThreshold { get; set; } = 0.05;
    /// <summary>compound &lt;= this is negative (VADER's conventional -0.05).</summary>
    public double NegativeThreshold { get; set; } = -0.05;
    /// <summary>
    /// For text that is not English (declared <c>lang</c> other than en, or mostly non-Latin script): the
    /// share of word tokens that must be English lexicon hits for the score to be kept (with low confidence);
    /// below it the compound is 0 and the analysis is flagged.
    /// </summary>
    public double NonEnglishMinCoverage { get; set; } = 0.2;
    /// <summary>compound &lt;= this (with no complaint phrase) still counts as a complaint.</summary>
    public double ComplaintCompound { get; set; } = -0.5;
    /// <summary>compound &gt;= this (with no praise phrase) still counts as praise.</summary>
    public double PraiseCompound { get; set; } = 0.6;
}

public sealed class EngagementRules
{
    /// <summary>Half-life of the time-decayed engagement score.</summary>
    public double HalfLifeHours { get; set; } = 168;
    /// <summary>Score at or above which the engagement level is high.</summary>
    public double HighEngagementScore { get; set; } = 5;
    /// <summary>EWMA weight of the short-term sentiment (the snapshot's <c>sentiment</c>).</summary>
    public double FastSentimentAlpha { get; set; } = 0.3;
    /// <summary>EWMA weight of the long-term sentiment baseline the trend is measured against.</summary>
    public double SlowSentimentAlpha { get; set; } = 0.05;
    /// <summary>Sliding window for complaints, cancel and competitor signals, abusive mentions.</summary>
    public double WindowDays { get; set; } = 30;
}

public sealed class CrisisRules
{
    /// <summary>Author reach at or above which a negative post is an influencer-negative crisis.</summary>
    public long InfluencerFollowers { get; set; } = 100_000;
    /// <summary>compound at or below which an influencer's post is alarming.</summary>
    public double InfluencerCompound { get; set; } = -0.5;
    public int InfluencerSeverity { get; set; } = 8;
    /// <summary>metrics.shares per minute since createdAt above which a negative mention is viral.</summary>
    public double ViralSharesPerMinute { get; set; } = 20;
    /// <summary>Minimum absolute shares before velocity is considered (minimum volume).</summary>
    public long ViralMinShares { get; set; } = 200;
    public double ViralCompound { get; set; } = -0.3;
    public int ViralSeverity { get; set; } = 7;
    /// <summary>Per entity and per kind: no second alert of the same kind within this time.</summary>
    public double CooldownMinutes { get; set; } = 240;
}

public sealed class BrandMonitorRules
{
    /// <summary>EWMA weight per minute bucket of the baseline mean and variance.</summary>
    public double BaselineAlpha { get; set; } = 0.1;
    /// <summary>Buckets the baseline must have seen before it may alert (warm-up).</summary>
    public int MinBaselineBuckets { get; set; } = 10;
    /// <summary>Late counts are accepted for a bucket until event time passes its end by this many minutes.</summary>
    public int AllowedLatenessMinutes { get; set; } = 2;
    /// <summary>z-score of the negative count per minute above which a volume spike is raised.</summary>
    public double VolumeZThreshold { get; set; } = 4;
    /// <summary>The negative count must also be at least this multiple of the baseline mean (a spike, not noise).</summary>
    public double VolumeMinRatio { get; set; } = 2.5;
    /// <summary>Minimum negative mentions in the bucket for a volume spike.</summary>
    public int VolumeMinNegative { get; set; } = 20;
    public int VolumeSeverity { get; set; } = 7;
    /// <summary>
    /// z-score of the negative share of all mentions above which a sentiment shift is raised. Evaluated when the
    /// bucket closes only (a share of a half-filled bucket is too noisy to alert on early).
    /// </summary>
    public double ShiftZThreshold { get; set; } = 4;
    /// <summary>Minimum mentions (all classes) in the bucket for a sentiment shift.</summary>
    public int ShiftMinTotal { get; set; } = 30;
    /// <summary>The negative share must also reach this absolute level for a sentiment shift.</summary>
    public double ShiftMinNegativeShare { get; set; } = 0.4;
    public int ShiftSeverity { get; set; } = 6;
    /// <summary>
    /// The false-alarm budget on calm traffic: expected false crisis alerts per brand per 30 days (43,200 minutes),
    /// at any volume. Split evenly over the two tests and the minutes: each may fire on a calm minute with
    /// probability at most budget / (2 x 43,200), a Chernoff bound on the count's tail (see <c>BrandMonitor</c>).
    /// </summary>
    public double FalseAlarmsPerMonth { get; set; } = 1;
    /// <summary>
    /// The smallest rise of the negative share over its baseline that counts as a shift (absolute, 0..1): at high
    /// volume a tiny rise is significant but not a crisis, and it absorbs the slow drift of calm traffic.
    /// </summary>
    public double ShiftMinIncrease { get; set; } = 0.1;
    /// <summary>
    /// EWMA weight per minute of the negative-share baseline: slower than <see cref="BaselineAlpha"/> (about 100 minutes),
    /// because the share of calm traffic is stable and a crisis that builds over minutes must not become the baseline.
    /// </summary>
    public double ShareBaselineAlpha { get; set; } = 0.01;
    /// <summary>Per brand and kind: no second alert within this time.</summary>
    public double CooldownMinutes { get; set; } = 30;
    /// <summary>Evidence samples kept per bucket.</summary>
    public int MaxSamples { get; set; } = 3;
}

public sealed class RetentionRules
{
    /// <summary>Churn risk (0..1) at or above which a retention trigger is raised and the stage is at-risk.</summary>
    public double RiskThreshold { get; set; } = 0.6;
    /// <summary>Risk contributions, combined as 1 - product(1 - w): each in [0, 1].</summary>
    public double ComplaintWeight { get; set; } = 0.12;
    /// <summary>Complaints in the window at or above which "repeated-complaints" is a reason.</summary>
    public int RepeatedComplaints { get; set; } = 2;
    public double CancelWeight { get; set; } = 0.5;
    public double CompetitorWeight { get; set; } = 0.4;
    public double FallingSentimentWeight { get; set; } = 0.2;
    /// <summary>Short-term sentiment this far below the long-term baseline is "falling-sentiment".</summary>
    public double FallingSentimentDrop { get; set; } = 0.3;
    public double CooldownDays { get; set; } = 7;
}

public sealed class AcquisitionRules
{
    public bool Enabled { get; set; } = true;
    /// <summary>Prospects with at least this reach get P2 instead of P3.</summary>
    public long HighReachFollowers { get; set; } = 10_000;
    public double CooldownDays { get; set; } = 7;
}

public sealed class AdvocacyRules
{
    public bool Enabled { get; set; } = true;
    /// <summary>Consecutive positive mentions needed ("sustained positive").</summary>
    public int MinPositiveStreak { get; set; } = 3;
    /// <summary>Short-term sentiment EWMA needed.</summary>
    public double MinSentiment { get; set; } = 0.4;
    /// <summary>Minimum reach (max followers seen).</summary>
    public long MinFollowers { get; set; } = 1_000;
    public double CooldownDays { get; set; } = 30;
}

public sealed class TerminationRules
{
    public bool Enabled { get; set; } = true;
    /// <summary>compound at or below which a mention counts as abusive.</summary>
    public double AbusiveCompound { get; set; } = -0.8;
    /// <summary>Abusive mentions in the window that make a customer "persistently abusive".</summary>
    public int AbusiveCount { get; set; } = 3;
    /// <summary>Complaints in the window that make a low-value customer costly to serve (at most 8 are tracked).</summary>
    public int CostlyComplaints { get; set; } = 6;
    /// <summary>A customer is low-value when bronze, or of unknown tier with CLV below this.</summary>
    public double LowValueClv { get; set; } = 100;
    public double CooldownDays { get; set; } = 30;
}

/// <summary>Overrides for one brand; null means "use the global setting".</summary>
public sealed class BrandRules
{
    /// <summary>This brand's competitors (added to the global list).</summary>
    public List<string> Competitors { get; set; } = [];
    public long? InfluencerFollowers { get; set; }
    public double? InfluencerCompound { get; set; }
    public double? VolumeZThreshold { get; set; }
    public int? VolumeMinNegative { get; set; }
    public double? RetentionRiskThreshold { get; set; }
}
