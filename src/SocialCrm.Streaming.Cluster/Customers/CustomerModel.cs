using SocialCrm.Streaming.Cluster.Rules;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>
/// What a customer entity asks of the domain: restore a snapshot, apply a mention or a profile,
/// and turn the state and the signals raised since the last write into one store write.
/// Shared by every entity of a node (the engine is stateless); the rules are the node's live ones.
/// </summary>
public sealed class CustomerModel(LiveRules rules, Func<DateTimeOffset>? clock = null)
{
    private readonly Func<DateTimeOffset> _clock = clock ?? (() => DateTimeOffset.UtcNow);

    public CustomerModel(EngagementEngine engine, Func<DateTimeOffset>? clock = null)
        : this(new LiveRules(engine.Rules), clock)
    {
    }

    public LiveRules Rules => rules;

    public EngagementEngine Engine => rules.Current.Engine;

    public CustomerState Restore(EntityId id, StoredCustomer? stored) =>
        stored is null ? CustomerState.New(id) : CustomerState.FromSnapshot(id, stored.Fields);

    /// <summary>
    /// Applies a mention unless its position is below the watermark or it is one of the customer's last mentions
    /// delivered again (<paramref name="repeat"/>), counting it into the per-minute volume and adding it to the timeline;
    /// returns what the brand's counts need, or null when it was not applied.
    /// What it raises records the version of the rules it was applied under.
    /// </summary>
    public MentionObservation? Apply(CustomerState state, Mention mention, SourcePosition position, PendingEffects pending, out bool repeat)
    {
        var applied = rules.Current;
        var signals = pending.Signals;
        var raisedBefore = signals.Count;
        var isNew = applied.Engine.Apply(state, mention, position, signals, out var analysis, out repeat);
        for (var i = raisedBefore; i < signals.Count; i++)
        {
            signals[i] = signals[i] with { RulesVersion = applied.Version };
        }
        if (!isNew)
        {
            return null;
        }
        pending.CountVolume(mention.CreatedAt, analysis!.Class);
        pending.Timeline.Add(TimelineEntry.Of(mention, analysis, state.ConsentProcessing));
        return new MentionObservation(analysis.Class, state.ConsentProcessing);
    }

    public void ApplyProfile(CustomerState state, CustomerProfile? profile) => rules.Current.Engine.ApplyProfile(state, profile);

    /// <summary>
    /// The write of one flush: what changed since the state was restored or last taken for a write, with the effects
    /// of the mentions applied since (null: none). <paramref name="version"/> must be the one after that (the restored
    /// or the last written one plus 1). <paramref name="fence"/> is the writer's claim on the customer's partition.
    /// </summary>
    public CustomerWrite ToWrite(CustomerState state, long version, PendingEffects? pending, WriteFence? fence) => pending is null
        ? CustomerWrite.Of(state.Id, version, state.TakeUnwrittenChanges(), [], [], fence: fence)
        : CustomerWrite.Of(state.Id, version, state.TakeUnwrittenChanges(), pending.VolumeIncrements(), ToOutbound(pending.Signals), pending.Timeline, fence);

    /// <summary>
    /// Live, <c>detectedAt</c> is when the node saw it (the domain only knows event time); the id stays the
    /// deterministic one, so a replay finds the same signal.
    /// </summary>
    private OutboundSignal[] ToOutbound(IReadOnlyList<DomainSignal> signals)
    {
        if (signals.Count == 0)
        {
            return [];
        }
        var now = _clock();
        var outbound = new OutboundSignal[signals.Count];
        for (var i = 0; i < outbound.Length; i++)
        {
            outbound[i] = (signals[i] with { DetectedAt = now }).ToOutbound();
        }
        return outbound;
    }
}
