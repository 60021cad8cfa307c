using System.Runtime.CompilerServices;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Engagement;

[InlineArray(6)]
internal struct CooldownBuffer
{
    private long _element;
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
public sealed partial class CustomerState
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
}
