using System.Globalization;
using System.Numerics;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Engagement;

/// <summary>The customer as its Redis hash: the snapshot fields, the changes a write stores, and the restore.</summary>
public sealed partial class CustomerState
{
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
