using Akka.Actor;
using Akka.Event;
using SocialCrm.Streaming.Cluster.Mailboxes;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>
/// One customer (or prospect) of one brand. Loads its snapshot before its first message, applies
/// mentions and profile changes in arrival order, and makes them durable with one write at a time:
/// what arrives while a write is in flight is applied at once and written together by the next one
/// (write coalescing). Every ask is answered only after a write containing its effect succeeded; a
/// failed write is retried unchanged (same version, same increments), so the store never counts it
/// twice. A profile tombstone forgets the customer, in order with the messages around it.
/// Failures never stall it: a store that is down is retried for as long as it is down (consumption waits),
/// but a store that refuses this customer's data (<see cref="StoreRefusedException"/>, or stored fields that
/// do not restore) is retried <see cref="CustomerEntityDependencies.RefusedAttempts"/> times, and then every
/// record waiting here is answered <see cref="CustomerFailed"/> and the entity stops; a mention whose apply
/// throws is answered as failed alone; anything else that throws here fails what waits and stops the entity.
/// </summary>
/// <remarks>
/// A node holds up to millions of these, so an idle one keeps little besides its state: one receive
/// method switching on <see cref="Phase"/> (no per-instance handler tables), a mailbox that holds nothing
/// while empty (<see cref="CompactDequeMailbox"/>), collections allocated only
/// while in use, retries scheduled only while the store fails (no per-entity timer scheduler), and its own small buffer for
/// what arrives while it loads or forgets (no stash).
/// </remarks>
public sealed partial class CustomerEntity : UntypedActor
{
    private readonly CustomerEntityDependencies _dependencies;
    private EntityId _id;
    private Phase _phase = Phase.Starting;
    private CustomerState _state = null!;
    private long _version;
    private bool _dirty;
    private bool _stopRequested;
    private CustomerWrite? _currentWrite;

    /// <summary>
    /// Askers waiting for a write, with what they asked (handled again if the write is superseded); the first
    /// <see cref="_awaitingCurrentWriteCount"/> wait for the one in flight, the rest for the next.
    /// </summary>
    private List<(IActorRef Sender, object Reply, object Request)>? _awaiting;
    private int _awaitingCurrentWriteCount;
    /// <summary>What the mentions applied since the last write raised; null while there are none.</summary>
    private PendingEffects? _pending;

    /// <summary>Messages held while loading, forgetting, or finishing writes before a tombstone; handled in order afterwards.</summary>
    private List<(object Message, IActorRef Sender)>? _held;
    /// <summary>Failures, a tombstone, erasures: null for an entity that has had none of them.</summary>
    private RareState? _rare;

    /// <summary>Starting: the entity learns its id from its first message (sharding starts it for one), then loads.</summary>
    private enum Phase { Starting, Loading, Ready, Draining, Forgetting }

    public CustomerEntity(CustomerEntityDependencies dependencies) => _dependencies = dependencies;

    /// <summary>
    /// One <see cref="Akka.Actor.Props"/> for every customer of the node: each entity takes its id from its first
    /// message rather than from per-entity props, which would cost every idle entity their bytes.
    /// </summary>
    public static Props Props(CustomerEntityDependencies dependencies) =>
        EntityDeploy.Props(new Producer(dependencies), CompactDequeMailbox.ConfigId);

    /// <summary>
    /// The entity's log, under the type's name: the default source, the actor's path, holds the customer id, which the
    /// log must only name by its pseudonym.
    /// </summary>
    private ILoggingAdapter Log => Logging.GetLogger(Context.System, nameof(CustomerEntity));

    protected override void PreStart() => _dependencies.Metrics.EntityStarted(CustomerShardingExtensions.TypeName);

    protected override void PostStop()
    {
        _rare?.Retry?.Cancel();
        _dependencies.Metrics.EntityStopped(CustomerShardingExtensions.TypeName);
    }

    protected override void OnReceive(object message)
    {
        try
        {
            Handle(message, Sender);
        }
        catch (Exception ex)
        {
            // A restarted actor would lose whoever waits here, and they would ask again into the same failure.
            GiveUp("Handling a message for", ex, message is IWithEntityId ? Sender : null, message);
        }
    }

    private void Handle(object message, IActorRef sender)
    {
        switch (message)
        {
            case WriteSucceeded:
                OnWriteSucceeded();
                return;
            case WriteFailed failed:
                OnFailure("customer-write", "Writing", failed.Cause, RetryWrite.Instance);
                return;
            case RetryWrite:
                Write();
                return;
            case WriteSuperseded:
                OnWriteSuperseded();
                return;
            case StopCustomer:
                StopWhenWritten();
                return;
        }
        switch (_phase)
        {
            case Phase.Starting:
                Start(message, sender);
                break;
            case Phase.Loading:
                Loading(message, sender);
                break;
            case Phase.Ready:
                Ready(message, sender);
                break;
            case Phase.Draining:
                Hold(message, sender);
                break;
            case Phase.Forgetting:
                Forgetting(message, sender);
                break;
        }
    }

    private void Start(object message, IActorRef sender)
    {
        if (message is not IWithEntityId addressed)
        {
            Unhandled(message);
            return;
        }
        _id = EntityId.Parse(addressed.EntityId);
        _phase = Phase.Loading;
        Load();
        Hold(message, sender);
    }

    private void Loading(object message, IActorRef sender)
    {
        switch (message)
        {
            case Loaded loaded:
                if (!TryRestore(loaded.Stored, out var restoreFailure))
                {
                    OnFailure("customer-load", "Loading", restoreFailure, RetryLoad.Instance);
                    break;
                }
                _version = loaded.Stored?.Version ?? 0;
                if (loaded.Stored is { Tombstones.Count: > 0 } erased)
                {
                    Rare.ErasedBy = [.. erased.Tombstones];
                }
                else if (_rare is not null)
                {
                    _rare.ErasedBy = null;
                }
                ClearFailures();
                _phase = Phase.Ready;
                HandleHeld();
                break;
            case LoadFailed failed:
                OnFailure("customer-load", "Loading", failed.Cause, RetryLoad.Instance);
                break;
            case RetryLoad:
                Load();
                break;
            default:
                Hold(message, sender);
                break;
        }
    }

    private void Ready(object message, IActorRef sender)
    {
        switch (message)
        {
            case ApplyMentions apply:
                Apply(apply, sender);
                break;
            case ApplyProfile { Profile: not null } apply:
                _dependencies.Model.ApplyProfile(_state, apply.Profile);
                AwaitWrite(sender, changed: true, Answer(apply), apply);
                break;
            case ApplyProfile tombstone when Idle:
                Forget(tombstone, sender);
                break;
            case ApplyProfile tombstone:
                // Forget only after what came before is written; hold everything after it until then.
                _phase = Phase.Draining;
                Hold(tombstone, sender);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private bool Idle => _currentWrite is null && !_dirty;

    /// <summary>Stored fields that do not restore are refused data: reloading them is retried a bounded number of times.</summary>
    private bool TryRestore(StoredCustomer? stored, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out Exception? failure)
    {
        try
        {
            _state = _dependencies.Model.Restore(_id, stored);
            failure = null;
            return true;
        }
        catch (Exception ex)
        {
            failure = new StoreRefusedException($"the stored customer does not restore ({ex.GetType().Name})", ex);
            return false;
        }
    }

    private void Load() =>
        _dependencies.Store.LoadAsync(_id, CancellationToken.None)
            .PipeTo(Self, success: stored => new Loaded(stored), failure: ex => new LoadFailed(ex));

    private void Apply(ApplyMentions apply, IActorRef sender)
    {
        var observations = new MentionObservation?[apply.Mentions.Count];
        List<FailedMention>? failed = null;
        var changed = false;
        var repeats = 0;
        var pending = _pending ?? new PendingEffects();
        for (var i = 0; i < observations.Length; i++)
        {
            var (mention, position) = apply.Mentions[i];
            bool repeat;
            try
            {
                observations[i] = _dependencies.Model.Apply(_state, mention, position, pending, out repeat);
                repeats += repeat ? 1 : 0;
            }
            catch (Exception ex)
            {
                // A bug this mention exposed: it is set aside, the customer goes on with the next one. What the apply
                // changed before it threw stays (as a Kafka Streams handler that continues would keep it).
                (failed ??= []).Add(new FailedMention(i, ex.GetType().FullName ?? ex.GetType().Name));
                LogThrottled("customer-apply", "Applying a mention to customer {0} threw {1}; the mention is dead-lettered", ex.GetType().Name);
                changed = true;
                continue;
            }
            // A repeat moves the watermark, and its grown share count may have raised an alert.
            changed |= observations[i] is not null || repeat;
        }
        if (changed)
        {
            // Mentions applied already (a replay) leave nothing pending: an idle entity keeps holding nothing.
            _pending = pending;
        }
        if (repeats > 0)
        {
            _dependencies.Metrics.MentionsRepeated(repeats);
        }
        if (_rare?.ErasedBy is not null && _state.MentionsApplied == 0)
        {
            CountSkippedAsErased(observations, failed?.Count ?? 0);
        }
        // An asker on another node (a remote temporary actor) consumed these records there.
        if (!sender.Path.Address.HasLocalScope)
        {
            _dependencies.Metrics.AppliedForAnotherNode(CustomerShardingExtensions.TypeName, observations.Length);
        }
        AwaitWrite(sender, changed, new MentionsApplied(observations, (IReadOnlyList<FailedMention>?)failed ?? []) { Sequence = apply.Sequence }, apply);
    }

    private ProfileApplied Answer(ApplyProfile apply) => new(apply.Position) { Sequence = apply.Sequence };

    private static long SequenceOf(object? message) => message is ICustomerExchange exchange ? exchange.Sequence : 0;

    private void Hold(object message, IActorRef sender) => (_held ??= []).Add((message, sender));

    /// <summary>Handles what was held, in order; whatever puts the entity back into a holding phase holds the rest again.</summary>
    private void HandleHeld()
    {
        if (_held is not { } held)
        {
            return;
        }
        _held = null;
        foreach (var (message, sender) in held)
        {
            Handle(message, sender);
        }
    }

    private void OnWriteSucceeded()
    {
        if (_currentWrite is { Signals.Count: > 0 } written)
        {
            _dependencies.Metrics.SignalsWritten(written.Signals);
        }
        _currentWrite = null;
        if (_rare is not null)
        {
            _rare.ReloadedOnSuperseded = false;
        }
        ClearFailures();
        // Whoever waited for the next write asked about effects the write that just succeeded already held.
        ReplyToAwaiting(_dirty ? _awaitingCurrentWriteCount : _awaiting?.Count ?? 0);
        StartWriteIfIdle();
        if (!Idle)
        {
            return;
        }
        if (_stopRequested)
        {
            Context.Stop(Self);
        }
        else if (_phase == Phase.Draining)
        {
            _phase = Phase.Ready;
            HandleHeld();
        }
    }

    private void OnWriteSuperseded()
    {
        // The stored customer moved on without this incarnation: another one (on a node since downed, or during a
        // hand-off) stored a newer version, or the store lost its data. This state is stale.
        if (_dependencies.FailureLog.ShouldLog("customer-superseded", out var suppressed))
        {
            Log.Warning("Customer {0} was stored by another incarnation or lost by the store; reloading ({1} similar since last logged)",
                _dependencies.Pseudonyms.ForLog(_id), suppressed);
        }
        if (_stopRequested || _rare?.ReloadedOnSuperseded == true)
        {
            // Leaving anyway, or superseded again at once (a fence: this node no longer owns the partition): stop without
            // confirming; the asks are repeated after Pipeline:AskTimeout and a new incarnation loads what is stored.
            Context.Stop(Self);
            return;
        }
        // Load what is stored and handle again, before anything held, what waited for the writes: the stored watermarks
        // skip what is in the store already, so nothing is counted twice, and nobody waits for an ask timeout.
        Rare.ReloadedOnSuperseded = true;
        var again = _awaiting?.ConvertAll(waiting => (waiting.Request, waiting.Sender)) ?? [];
        _held = _held is null ? again : [.. again, .. _held];
        _awaiting = null;
        _awaitingCurrentWriteCount = 0;
        _currentWrite = null;
        _dirty = false;
        _pending = null;
        _phase = Phase.Loading;
        Load();
    }

    private void AwaitWrite(IActorRef sender, bool changed, object reply, object request)
    {
        if (changed)
        {
            _dirty = true;
        }
        else if (Idle)
        {
            // Already applied and durable: a replay after a restart, or an ask retried after a timeout.
            sender.Tell(reply);
            return;
        }
        // Room for one: a customer mostly has a single asker per write (a list's default first array holds four).
        (_awaiting ??= new(1)).Add((sender, reply, request));
        StartWriteIfIdle();
    }

    private void StopWhenWritten()
    {
        _dependencies.Metrics.EntityPassivated(CustomerShardingExtensions.TypeName);
        if (Idle && _phase != Phase.Forgetting)
        {
            Context.Stop(Self);
        }
        else
        {
            _stopRequested = true;
        }
    }

    private void ReplyToAwaiting(int count)
    {
        if (_awaiting is not { } awaiting)
        {
            return;
        }
        for (var i = 0; i < count; i++)
        {
            awaiting[i].Sender.Tell(awaiting[i].Reply);
        }
        awaiting.RemoveRange(0, count);
        _awaitingCurrentWriteCount = 0;
        if (awaiting.Count == 0)
        {
            _awaiting = null;
        }
    }

    private void StartWriteIfIdle()
    {
        if (_currentWrite is not null || !_dirty)
        {
            return;
        }
        try
        {
            _currentWrite = _dependencies.Model.ToWrite(_state, ++_version, _pending, _dependencies.FenceOf(_id));
        }
        catch (Exception ex)
        {
            // Building the write is pure: trying again would throw again.
            GiveUp("Building the write of", ex);
            return;
        }
        _pending = null;
        _dirty = false;
        _awaitingCurrentWriteCount = _awaiting?.Count ?? 0;
        Write();
    }

    private void Write()
    {
        var write = _currentWrite!;
        if (write.Signals.Count == 0)
        {
            // Most flushes carry no signal: the store tells the entity itself how the write ended (no task, no continuation).
            _dependencies.Store.Write(write, new WriteOutcome(Self));
            return;
        }
        var stored = _dependencies.Store.WriteAsync(write);
        Task.WhenAll(stored, _dependencies.Publisher.PublishAsync(write.Signals, CancellationToken.None))
            .PipeTo(Self, success: () => stored.Result ? WriteSucceeded.Instance : WriteSuperseded.Instance, failure: ex => new WriteFailed(ex));
    }

    /// <summary>Tells the entity how its write ended, from the thread the store finishes on, as the messages the entity handles.</summary>
    private sealed class WriteOutcome(IActorRef entity) : IWriteOutcome
    {
        public void Applied() => entity.Tell(WriteSucceeded.Instance);

        public void Stale() => entity.Tell(WriteSuperseded.Instance);

        public void Failed(Exception cause) => entity.Tell(new WriteFailed(cause));
    }

    /// <summary>Creates the entity without the expression compilation of <c>Props.Create(() => ...)</c>, which is paid per activation.</summary>
    private sealed class Producer(CustomerEntityDependencies dependencies) : IIndirectActorProducer
    {
        public Type ActorType => typeof(CustomerEntity);

        public ActorBase Produce() => new CustomerEntity(dependencies);

        public void Release(ActorBase actor) { }
    }

    private sealed record Loaded(StoredCustomer? Stored);
    private sealed record LoadFailed(Exception Cause);
    private sealed record RetryLoad { public static readonly RetryLoad Instance = new(); }
    private sealed record WriteSucceeded { public static readonly WriteSucceeded Instance = new(); }
    private sealed record WriteSuperseded { public static readonly WriteSuperseded Instance = new(); }
    private sealed record WriteFailed(Exception Cause);
    private sealed record RetryWrite { public static readonly RetryWrite Instance = new(); }
    private sealed record Forgotten { public static readonly Forgotten Instance = new(); }
    private sealed record ForgetFailed(Exception Cause);
    private sealed record RetryForget { public static readonly RetryForget Instance = new(); }
    private sealed record PendingTombstone(IActorRef ReplyTo, ProfileApplied Reply);
}
