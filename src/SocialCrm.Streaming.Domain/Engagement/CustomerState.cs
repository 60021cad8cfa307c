using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Engagement;

public enum EngagementLevel : byte { Low, High }

public enum LifecycleStage : byte { Prospect, Active, AtRisk, Advocate, Churned }

/// <summary>Why the churn risk is what it is (the reasons of a retention trigger).</summary>
[Flags]
public enum RiskReasons : ushort
{
    None = 0,
    Complaint = 1,
    RepeatedComplaints = 2,
    CancelIntent = 4,
    CompetitorSwitch = 8,
    FallingSentiment = 16,
    NegativeSentiment = 32,
}

/// <summary>The detectors with a per-entity cool-down.</summary>
public enum Detector : byte { InfluencerNegative, ViralNegative, Retention, Acquisition, Advocacy, TerminationReview }

[InlineArray(6)]
internal struct CooldownBuffer
{
    private long _element;
}

public static class EngagementNames
{
    public static string ToWire(this EngagementLevel level) => level == EngagementLevel.High ? "high" : "low";

    public static string ToWire(this LifecycleStage stage) => stage switch
    {
        LifecycleStage.Active => "active",
        LifecycleStage.AtRisk => "at-risk",
        LifecycleStage.Advocate => "advocate",
        LifecycleStage.Churned => "churned",
        LifecycleStage.Prospect => "prospect",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "not a lifecycle stage"),
    };

    public static string ToWire(this Detector detector) => detector switch
    {
        Detector.InfluencerNegative => "influencer-negative",
        Detector.ViralNegative => "viral-negative",
        Detector.Retention => "retention",
        Detector.Acquisition => "acquisition",
        Detector.Advocacy => "advocacy",
        Detector.TerminationReview => "termination-review",
        _ => throw new ArgumentOutOfRangeException(nameof(detector), detector, "not a detector"),
    };

    private static readonly (RiskReasons Flag, string Wire)[] ReasonNames =
    [
        (RiskReasons.Complaint, "complaint"),
        (RiskReasons.RepeatedComplaints, "repeated-complaints"),
        (RiskReasons.CancelIntent, "cancel-intent"),
        (RiskReasons.CompetitorSwitch, "competitor-switch"),
        (RiskReasons.FallingSentiment, "falling-sentiment"),
        (RiskReasons.NegativeSentiment, "negative-sentiment"),
    ];

    /// <summary>The reason codes in a fixed order.</summary>
    public static IReadOnlyList<string> ToWire(this RiskReasons reasons)
    {
        var list = new List<string>(4);
        foreach (var (flag, wire) in ReasonNames)
        {
            if ((reasons & flag) != 0) list.Add(wire);
        }
        return list;
    }

    internal static bool TryParseStage(string? value, out LifecycleStage stage)
    {
        LifecycleStage? parsed = value switch
        {
            "prospect" => LifecycleStage.Prospect,
            "active" => LifecycleStage.Active,
            "at-risk" => LifecycleStage.AtRisk,
            "advocate" => LifecycleStage.Advocate,
            "churned" => LifecycleStage.Churned,
            _ => null,
        };
        stage = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }
}

/// <summary>
/// The engagement state of one customer (or prospect), mutated only by <see cref="EngagementEngine"/>.
/// Compact: primitive fields, no per-mention collections, and what only a customer in trouble or with
/// alerts needs in a side object made on first use (<see cref="RareEvents"/>): under 256 bytes for a
/// quiet entity. Times are event times in UTC ticks (0 = never).
/// <para>
/// Every snapshot field has a bit in a mask of fields changed since they were last taken for a write
/// (<see cref="TakeUnwrittenChanges"/>), so a flush writes only those: most mentions change about a
/// third of the fields.
/// </para>
/// </summary>
public sealed class CustomerState
{
    private int _wmPartition = -1;
    private long _wmOffset = -1;
    private Dictionary<int, long>? _wmOthers;
    private RecentMentions _recentMentions;
    /// <summary>Null until the first complaint, abusive mention, cancel or switch intent, or detector firing.</summary>
    private RareEvents? _rareEvents;
    /// <summary>
    /// Bits (1 &lt;&lt; <see cref="Field"/>) of the snapshot fields not written since they changed. Until stored: the
    /// documented fields, and an internal one once it changes, since a field the hash lacks restores as its default.
    /// </summary>
    private ulong _unwritten = PublicFields;
    /// <summary>Whether changes were taken for a write or the state was restored: until then a write is the whole snapshot.</summary>
    private bool _stored;
    /// <summary>The last write (or the restored snapshot) listed the entity among the advocates.</summary>
    private bool _advocateListed;
    /// <summary>The restored hash holds <see cref="TickFields"/>: writes keep them current.</summary>
    private bool _keepsTicks;

    private CustomerState(EntityId id)
    {
        Id = id;
    }

    public static CustomerState New(EntityId id) => new(id);

    public EntityId Id { get; }

    /// <summary>Mentions applied, exact (each source position at most once).</summary>
    public long MentionsApplied { get; internal set => Set(ref field, value, Field.Mentions); }

    /// <summary>Time-decayed engagement score as of <see cref="ScoreAtTicks"/>.</summary>
    public double EngagementScore { get; internal set => Set(ref field, value, Field.Score); }
    internal long ScoreAtTicks { get; set => Set(ref field, value, Field.ScoreAt); }
    public EngagementLevel Level { get; internal set => Set(ref field, value, Field.Level); }
    public LifecycleStage Stage { get; internal set => Set(ref field, value, Field.Stage); }

    /// <summary>Short-term sentiment (EWMA of compound scores).</summary>
    public double Sentiment { get; internal set => Set(ref field, value, Field.Sentiment); }
    /// <summary>Long-term sentiment baseline (slow EWMA); <see cref="SentimentTrend"/> = short - long.</summary>
    public double SentimentBaseline { get; internal set => Set(ref field, value, Field.SentimentBaseline); }
    internal bool HasSentiment { get; set => Set(ref field, value, Field.HasSentiment); }
    public double SentimentTrend => Sentiment - SentimentBaseline;

    public double RiskScore { get; internal set => Set(ref field, value, Field.RiskScore); }
    public RiskReasons RiskReasons { get; internal set => Set(ref field, value, Field.RiskReasons); }
    /// <summary>Complaints within the window at the last applied mention.</summary>
    public int ComplaintsInWindow { get; internal set => Set(ref field, value, Field.Complaints); }
    internal int PositiveStreak { get; set => Set(ref field, value, Field.PositiveStreak); }
    // A time set to what it holds (0 when there is no side object) makes no side object.
    internal long CancelAtTicks
    {
        get => _rareEvents?.CancelAt ?? 0;
        set { if (value != CancelAtTicks) Set(ref RareEventsToWrite.CancelAt, value, Field.CancelAt); }
    }
    internal long SwitchAtTicks
    {
        get => _rareEvents?.SwitchAt ?? 0;
        set { if (value != SwitchAtTicks) Set(ref RareEventsToWrite.SwitchAt, value, Field.SwitchAt); }
    }
    internal long ChurnedAtTicks
    {
        get => _rareEvents?.ChurnedAt ?? 0;
        set { if (value != ChurnedAtTicks) Set(ref RareEventsToWrite.ChurnedAt, value, Field.ChurnedAt); }
    }

    /// <summary>Reach: the largest follower count seen.</summary>
    public long MaxFollowers { get; internal set => Set(ref field, value, Field.Followers); }
    public ValueTier ValueTier { get; internal set => Set(ref field, value, Field.ValueTier); }
    public double Clv { get; internal set => Set(ref field, value, Field.Clv); }
    public string? Segment { get; internal set => Set(ref field, value, Field.Segment); }
    /// <summary>
    /// Consent of the CRM profile (true only when it says <c>"processing":true</c>); before any profile (and for
    /// prospects, who have none) true: topology/privacy.md says why.
    /// </summary>
    public bool ConsentProcessing { get; internal set => Set(ref field, value, Field.Consent); } = true;
    /// <summary>A known customer (mention with customerId, or a profile), not a prospect.</summary>
    public bool IsCustomer { get; internal set => Set(ref field, value, Field.Customer); }
    public bool HasProfile { get; internal set => Set(ref field, value, Field.Profile); }

    /// <summary>Latest event time seen (UTC ticks, 0 = none).</summary>
    internal long LastMentionTicks { get; set => Set(ref field, value, Field.LastMentionAt, Field.LastMentionTicks); }
    /// <summary>Event time of the last applied mention (UTC ticks, 0 = none).</summary>
    internal long UpdatedTicks { get; set => Set(ref field, value, Field.UpdatedAt, Field.UpdatedTicks); }

    public DateTimeOffset? LastMentionAt => LastMentionTicks == 0 ? null : new DateTimeOffset(LastMentionTicks, TimeSpan.Zero);
    public DateTimeOffset? UpdatedAt => UpdatedTicks == 0 ? null : new DateTimeOffset(UpdatedTicks, TimeSpan.Zero);

    /// <summary>Advocacy score for the leaderboard: positive sentiment x engagement x log reach (0 when not positive).</summary>
    public double AdvocacyScore =>
        Sentiment <= 0 || !ConsentProcessing ? 0 : Math.Round(Sentiment * EngagementScore * Math.Log10(10 + MaxFollowers), 4);

    /// <summary>True when the mention at <paramref name="position"/> was already applied (applied-offset watermark).</summary>
    public bool IsApplied(SourcePosition position)
    {
        if (position.Partition == _wmPartition) return position.Offset <= _wmOffset;
        return _wmOthers is not null && _wmOthers.TryGetValue(position.Partition, out var offset) && position.Offset <= offset;
    }

    /// <summary>The watermark per partition, ordered by partition.</summary>
    public IReadOnlyList<KeyValuePair<int, long>> Watermarks
    {
        get
        {
            var list = new List<KeyValuePair<int, long>>(1 + (_wmOthers?.Count ?? 0));
            if (_wmPartition >= 0) list.Add(new(_wmPartition, _wmOffset));
            if (_wmOthers is not null) list.AddRange(_wmOthers);
            list.Sort((a, b) => a.Key.CompareTo(b.Key));
            return list;
        }
    }

    internal void MarkApplied(SourcePosition position)
    {
        _unwritten |= Bit(Field.Watermarks);
        if (_wmPartition < 0 || position.Partition == _wmPartition)
        {
            _wmPartition = position.Partition;
            _wmOffset = Math.Max(_wmOffset, position.Offset);
            return;
        }
        _wmOthers ??= [];
        _wmOthers[position.Partition] = Math.Max(_wmOthers.GetValueOrDefault(position.Partition, -1), position.Offset);
    }

    /// <summary>True when a mention with this key (<see cref="RecentMentions.KeyOf"/>) is among the customer's last ones: delivered again.</summary>
    internal bool IsRepeat(long mentionKey) => _recentMentions.Contains(mentionKey);

    /// <summary>Keeps the key of the mention about to be applied, in the slot of its count (each write stores that slot alone).</summary>
    internal void RememberMention(long mentionKey)
    {
        var slot = (int)((ulong)MentionsApplied % RecentMentions.Slots);
        _recentMentions[slot] = mentionKey;
        _unwritten |= Bit(Field.RecentMention + slot);
    }

    private RareEvents RareEventsToWrite => _rareEvents ??= new RareEvents();

    internal int ComplaintsSince(long fromExclusive, long toInclusive) => _rareEvents?.Complaints.CountSince(fromExclusive, toInclusive) ?? 0;

    internal int AbusiveSince(long fromExclusive, long toInclusive) => _rareEvents?.Abusive.CountSince(fromExclusive, toInclusive) ?? 0;

    internal void RecordComplaint(long ticks)
    {
        RareEventsToWrite.Complaints.Add(ticks);
        _unwritten |= Bit(Field.ComplaintTimes);
    }

    internal void RecordAbusive(long ticks)
    {
        RareEventsToWrite.Abusive.Add(ticks);
        _unwritten |= Bit(Field.AbusiveTimes);
    }

    internal long GetLastFired(Detector detector) => _rareEvents is null ? 0 : _rareEvents.LastFired[(int)detector];

    internal void SetLastFired(Detector detector, long ticks)
    {
        RareEventsToWrite.LastFired[(int)detector] = ticks;
        _unwritten |= Bit(Field.Cooldown + (int)detector);
    }

    /// <summary>
    /// What stays of an erased customer: a new state with only <paramref name="erased"/>'s watermarks, which are stored
    /// already (in the erasure marker), so a replayed old mention is still skipped.
    /// </summary>
    public static CustomerState WatermarksOf(CustomerState erased)
    {
        var s = new CustomerState(erased.Id);
        foreach (var (partition, offset) in erased.Watermarks)
        {
            s.MarkApplied(new SourcePosition(partition, offset));
        }
        s._unwritten = AllFields & ~Bit(Field.Watermarks);
        s._stored = true;
        return s;
    }

    /// <summary>Forgets everything about the customer except the watermark (which is not personal data and keeps replays exactly-once).</summary>
    internal void Forget()
    {
        MentionsApplied = 0;
        EngagementScore = 0;
        ScoreAtTicks = 0;
        Level = EngagementLevel.Low;
        ValueTier = ValueTier.Unknown;
        Clv = 0;
        Segment = null;
        ConsentProcessing = true;
        IsCustomer = false;
        HasProfile = false;
        LastMentionTicks = UpdatedTicks = 0;
        _recentMentions = default;
        _unwritten |= RecentMentionFields;
        ClearPersonalInsights();
    }

    /// <summary>Clears what processing derived about the person (consent withdrawn); counts, tier and watermark stay.</summary>
    internal void ClearPersonalInsights()
    {
        Sentiment = SentimentBaseline = 0;
        HasSentiment = false;
        RiskScore = 0;
        RiskReasons = RiskReasons.None;
        ComplaintsInWindow = 0;
        PositiveStreak = 0;
        CancelAtTicks = SwitchAtTicks = ChurnedAtTicks = 0;
        MaxFollowers = 0;
        _rareEvents = null;
        _unwritten |= Bit(Field.ComplaintTimes) | Bit(Field.AbusiveTimes) | CooldownFields;
        Stage = IsCustomer ? LifecycleStage.Active : LifecycleStage.Prospect;
    }

    private void Set<T>(ref T field, T value, Field changed)
    {
        if (!EqualityComparer<T>.Default.Equals(field, value))
        {
            field = value;
            _unwritten |= Bit(changed);
        }
    }

    /// <summary>Compares bits: 0.0 and -0.0 are written differently ("0", "-0").</summary>
    private void Set(ref double field, double value, Field changed)
    {
        if (BitConverter.DoubleToInt64Bits(field) != BitConverter.DoubleToInt64Bits(value))
        {
            field = value;
            _unwritten |= Bit(changed);
        }
    }

    private void Set(ref long field, long value, Field changed, Field alsoChanged)
    {
        if (field != value)
        {
            field = value;
            _unwritten |= Bit(changed) | Bit(alsoChanged);
        }
    }

    // ---- snapshot (Redis hash fields) ----

    /// <summary>Prefix of the fields beyond the documented hash fields (topology/redis-keys.md) that an exact restore needs.</summary>
    public const string ExtraPrefix = "x:";
    public const string WatermarkPrefix = "wm:";

    /// <summary>The snapshot fields in stored order (<see cref="Watermarks"/> stands for every <c>wm:{partition}</c>).</summary>
    private enum Field
    {
        Mentions, Score, Level, Stage, Sentiment, RiskScore, Complaints, LastMentionAt, ValueTier, UpdatedAt,
        Watermarks,
        ScoreAt, SentimentBaseline, HasSentiment, RiskReasons, PositiveStreak, CancelAt, SwitchAt, ChurnedAt, Followers,
        Clv, Segment, Consent, Customer, Profile, LastMentionTicks, UpdatedTicks, ComplaintTimes, AbusiveTimes,
        /// <summary>The first of the keys of the last mentions, one per slot of <see cref="Engagement.RecentMentions"/>.</summary>
        RecentMention,
        /// <summary>The first of the cool-downs, one per <see cref="Detector"/>.</summary>
        Cooldown = RecentMention + Engagement.RecentMentions.Slots,
    }

    private static readonly string[] FieldNames =
    [
        "mentions", "score", "level", "stage", "sentiment", "riskScore", "complaints", "lastMentionAt", "valueTier", "updatedAt",
        WatermarkPrefix,
        "x:scoreAt", "x:sentimentBaseline", "x:hasSentiment", "x:riskReasons", "x:positiveStreak", "x:cancelAt", "x:switchAt", "x:churnedAt", "x:followers",
        "x:clv", "x:segment", "x:consent", "x:customer", "x:profile", "x:lastMentionTicks", "x:updatedTicks", "x:complaintTimes", "x:abusiveTimes",
        .. Enumerable.Range(0, RecentMentions.Slots).Select(slot => "x:rm:" + I(slot)),
        .. Enum.GetValues<Detector>().Select(d => "x:cd:" + d.ToWire()),
    ];

    private static readonly Dictionary<string, Field> FieldsByName =
        FieldNames.Select((name, i) => (name, field: (Field)i)).Where(f => f.field != Field.Watermarks).ToDictionary(f => f.name, f => f.field);

    private static readonly ulong AllFields = (1UL << FieldNames.Length) - 1;
    /// <summary>The fields topology/redis-keys.md documents (and the watermarks): every stored hash holds them.</summary>
    private static readonly ulong PublicFields = Bit(Field.ScoreAt) - 1;
    private static readonly ulong CooldownFields = AllFields & ~(Bit(Field.Cooldown) - 1);
    private static readonly ulong RecentMentionFields = (Bit(Field.Cooldown) - 1) & ~(Bit(Field.RecentMention) - 1);
    /// <summary>
    /// Ticks of lastMentionAt and updatedAt, which those fields hold as exactly (full precision): written only to a hash
    /// that has them already, from an earlier version, which restores them before the readable times.
    /// </summary>
    private static readonly ulong TickFields = Bit(Field.LastMentionTicks) | Bit(Field.UpdatedTicks);

    /// <summary>Names of the watermarks of the partitions a topic usually has, made once.</summary>
    private static readonly string[] WatermarkNames = [.. Enumerable.Range(0, 64).Select(p => WatermarkPrefix + I(p))];

    private static ulong Bit(Field field) => 1UL << (int)field;

    /// <summary>
    /// The Redis hash fields (topology/redis-keys.md): mentions, score, level, stage, sentiment, riskScore, complaints,
    /// lastMentionAt, valueTier, updatedAt, <c>wm:{partition}</c>, and <c>x:*</c> fields for an exact restore.
    /// Numbers are invariant and round-trippable; times are RFC 3339 UTC with full precision.
    /// </summary>
    public IReadOnlyList<SnapshotField> ToSnapshotFields() => Fields(AllFields);

    /// <summary>
    /// What a store write must change to turn the snapshot last taken (or restored) into this state's, and
    /// marks it written: the caller writes it on top of that snapshot, or discards this state. A state never
    /// stored gives the whole snapshot: the documented fields, and the internal ones that differ from their defaults
    /// (most of a new author's are defaults, and a hash without them restores the same). Leaderboard scores are null
    /// when the stored ones still hold, and in a first write when zero: a customer never stored has no ranking entry to
    /// remove (one its expired hash left behind ages out as any other, by <c>ranked:seen</c>).
    /// </summary>
    public SnapshotChanges TakeUnwrittenChanges()
    {
        var unwritten = _unwritten;
        var fields = Fields(unwritten);
        var complete = !_stored;
        var advocacy = AdvocacyScore;
        var changes = new SnapshotChanges(
            fields,
            complete,
            (complete ? RiskScore > 0 : (unwritten & Bit(Field.RiskScore)) != 0) ? RiskScore : null,
            advocacy > 0 || _advocateListed ? advocacy : null);
        _advocateListed = advocacy > 0;
        _unwritten = 0;
        _stored = true;
        return changes;
    }

    /// <summary>The <paramref name="selected"/> fields, in an array of exactly their number (one write holds it).</summary>
    private SnapshotField[] Fields(ulong selected)
    {
        if (!_keepsTicks)
        {
            selected &= ~TickFields;
        }
        var watermarks = (selected & Bit(Field.Watermarks)) == 0 ? 0 : (_wmPartition >= 0 ? 1 : 0) + (_wmOthers?.Count ?? 0);
        var fields = new SnapshotField[BitOperations.PopCount(selected & ~Bit(Field.Watermarks)) + watermarks];
        var count = 0;
        var times = new TimeTexts();
        for (var i = 0; i < FieldNames.Length; i++)
        {
            if ((selected & (1UL << i)) == 0)
            {
                continue;
            }
            if ((Field)i == Field.Watermarks)
            {
                count += AddWatermarks(fields.AsSpan(count));
                continue;
            }
            fields[count++] = Format((Field)i, FieldNames[i], ref times);
        }
        return fields;
    }

    private SnapshotField Format(Field field, string name, ref TimeTexts times) => field switch
    {
        Field.Mentions => new(name, MentionsApplied),
        Field.Score => new(name, D(EngagementScore)),
        Field.Level => new(name, Level.ToWire()),
        Field.Stage => new(name, Stage.ToWire()),
        Field.Sentiment => new(name, D(Sentiment)),
        Field.RiskScore => new(name, D(RiskScore)),
        Field.Complaints => new(name, ComplaintsInWindow),
        Field.LastMentionAt => new(name, times.Format(LastMentionTicks)),
        Field.ValueTier => new(name, ValueTier.ToWire()),
        Field.UpdatedAt => new(name, times.Format(UpdatedTicks)),
        Field.ScoreAt => new(name, ScoreAtTicks),
        Field.SentimentBaseline => new(name, D(SentimentBaseline)),
        Field.HasSentiment => new(name, Flag(HasSentiment)),
        Field.RiskReasons => new(name, (long)RiskReasons),
        Field.PositiveStreak => new(name, PositiveStreak),
        Field.CancelAt => new(name, CancelAtTicks),
        Field.SwitchAt => new(name, SwitchAtTicks),
        Field.ChurnedAt => new(name, ChurnedAtTicks),
        Field.Followers => new(name, MaxFollowers),
        Field.Clv => new(name, D(Clv)),
        Field.Segment => new(name, Segment ?? ""),
        Field.Consent => new(name, Flag(ConsentProcessing)),
        Field.Customer => new(name, Flag(IsCustomer)),
        Field.Profile => new(name, Flag(HasProfile)),
        Field.LastMentionTicks => new(name, LastMentionTicks),
        Field.UpdatedTicks => new(name, UpdatedTicks),
        Field.ComplaintTimes => new(name, _rareEvents?.Complaints.Serialize() ?? ""),
        Field.AbusiveTimes => new(name, _rareEvents?.Abusive.Serialize() ?? ""),
        >= Field.RecentMention and < Field.Cooldown => new(name, _recentMentions[field - Field.RecentMention]),
        >= Field.Cooldown => new(name, GetLastFired((Detector)(field - Field.Cooldown))),
        Field.Watermarks or < Field.Mentions => throw new ArgumentOutOfRangeException(nameof(field), field, "watermarks are written by their partition, not as one field"),
    };

    /// <summary>Writes the watermarks into <paramref name="into"/>, ordered by partition; returns their number.</summary>
    private int AddWatermarks(Span<SnapshotField> into)
    {
        if (_wmOthers is null)
        {
            if (_wmPartition < 0) return 0;
            into[0] = new(WatermarkName(_wmPartition), _wmOffset);
            return 1;
        }
        var count = 0;
        foreach (var (partition, offset) in Watermarks)
        {
            into[count++] = new(WatermarkName(partition), offset);
        }
        return count;
    }

    private static string WatermarkName(int partition) =>
        partition < WatermarkNames.Length ? WatermarkNames[partition] : WatermarkPrefix + I(partition);

    /// <summary>Restores a state written by <see cref="ToSnapshotFields"/>; missing fields take their defaults. Throws <see cref="FormatException"/> on malformed values.</summary>
    public static CustomerState FromSnapshot(EntityId id, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var s = new CustomerState(id);
        var stored = 0UL;
        foreach (var (key, value) in fields)
        {
            if (key.StartsWith(WatermarkPrefix, StringComparison.Ordinal))
            {
                s.MarkApplied(new SourcePosition(int.Parse(key.AsSpan(WatermarkPrefix.Length), NumberStyles.Integer, CultureInfo.InvariantCulture), L(value)));
                stored |= Bit(Field.Watermarks);
            }
            else if (FieldsByName.TryGetValue(key, out var field))
            {
                s.Restore(field, value);
                stored |= Bit(field);
            }
            // other fields (written by a newer version) are ignored
        }
        // A write after a restore completes the documented fields the stored snapshot lacks; a missing internal one is its default.
        s._unwritten = PublicFields & ~stored;
        s._stored = true;
        s._keepsTicks = (stored & TickFields) != 0;
        s._advocateListed = s.AdvocacyScore > 0;
        return s;
    }

    private void Restore(Field field, string value)
    {
        switch (field)
        {
            case Field.Mentions: MentionsApplied = L(value); break;
            case Field.Score: EngagementScore = P(value); break;
            case Field.Level: Level = value == "high" ? EngagementLevel.High : EngagementLevel.Low; break;
            case Field.Stage:
                if (!EngagementNames.TryParseStage(value, out var stage)) throw new FormatException($"stage '{value}' is unknown");
                Stage = stage;
                break;
            case Field.Sentiment: Sentiment = P(value); break;
            case Field.RiskScore: RiskScore = P(value); break;
            case Field.Complaints: ComplaintsInWindow = (int)L(value); break;
            case Field.ValueTier:
                if (!ValueTierNames.TryParse(value, out var tier)) throw new FormatException($"valueTier '{value}' is unknown");
                ValueTier = tier;
                break;
            case Field.ScoreAt: ScoreAtTicks = L(value); break;
            case Field.SentimentBaseline: SentimentBaseline = P(value); break;
            case Field.HasSentiment: HasSentiment = value == "1"; break;
            case Field.RiskReasons: RiskReasons = (RiskReasons)L(value); break;
            case Field.PositiveStreak: PositiveStreak = (int)L(value); break;
            case Field.CancelAt: CancelAtTicks = L(value); break;
            case Field.SwitchAt: SwitchAtTicks = L(value); break;
            case Field.ChurnedAt: ChurnedAtTicks = L(value); break;
            case Field.Followers: MaxFollowers = L(value); break;
            case Field.Clv: Clv = P(value); break;
            case Field.Segment: Segment = value.Length == 0 ? null : value; break;
            case Field.Consent: ConsentProcessing = value != "0"; break;
            case Field.Customer: IsCustomer = value == "1"; break;
            case Field.Profile: HasProfile = value == "1"; break;
            case Field.LastMentionTicks: LastMentionTicks = L(value); break;
            case Field.UpdatedTicks: UpdatedTicks = L(value); break;
            // Empty windows and unset cool-downs (a quiet customer's) leave the side object unmade.
            case Field.ComplaintTimes: if (value.Length > 0) RareEventsToWrite.Complaints = TimeWindow.Parse(value); break;
            case Field.AbusiveTimes: if (value.Length > 0) RareEventsToWrite.Abusive = TimeWindow.Parse(value); break;
            case >= Field.RecentMention and < Field.Cooldown: _recentMentions[field - Field.RecentMention] = L(value); break;
            // The readable times restore only what the ticks of an earlier version's hash (x:*) do not.
            case Field.LastMentionAt:
                if (value.Length > 0 && LastMentionTicks == 0) LastMentionTicks = DateTimeOffset.Parse(value, CultureInfo.InvariantCulture).UtcTicks;
                break;
            case Field.UpdatedAt:
                if (value.Length > 0 && UpdatedTicks == 0) UpdatedTicks = DateTimeOffset.Parse(value, CultureInfo.InvariantCulture).UtcTicks;
                break;
            case >= Field.Cooldown:
                var lastFired = L(value);
                if (lastFired != 0) RareEventsToWrite.LastFired[field - Field.Cooldown] = lastFired;
                break;
            case Field.Watermarks:
                throw new ArgumentOutOfRangeException(nameof(field), field, "watermarks are read by their partition, not as one field");
        }
    }

    /// <summary>
    /// The times of what most customers never have (about 230 bytes that a quiet customer does without):
    /// complaints, abusive mentions, cancel and switch intents, churn, and the detectors' last firings.
    /// </summary>
    private sealed class RareEvents
    {
        public TimeWindow Complaints;
        public TimeWindow Abusive;
        public CooldownBuffer LastFired;
        public long CancelAt;
        public long SwitchAt;
        public long ChurnedAt;
    }

    /// <summary>lastMentionAt and updatedAt are mostly the same instant: formatted once.</summary>
    private struct TimeTexts
    {
        private long _ticks;
        private string? _text;

        public string Format(long ticks)
        {
            if (ticks == 0) return "";
            if (_text is null || _ticks != ticks)
            {
                _ticks = ticks;
                _text = AlertJson.FormatTime(new DateTimeOffset(ticks, TimeSpan.Zero));
            }
            return _text;
        }
    }

    private static string Flag(bool value) => value ? "1" : "0";

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string D(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static long L(string value) => long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double P(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
}

/// <summary>
/// The part of a snapshot a write must store (<see cref="CustomerState.TakeUnwrittenChanges"/>): the changed
/// fields (when <see cref="Complete"/>, the whole snapshot: the hash holds nothing else), and the leaderboard scores,
/// null when unchanged.
/// </summary>
public readonly record struct SnapshotChanges(IReadOnlyList<SnapshotField> Fields, bool Complete, double? RiskScore, double? AdvocacyScore);
