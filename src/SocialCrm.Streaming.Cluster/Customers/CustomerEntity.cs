using Akka.Actor;
using Akka.Event;
using SocialCrm.Streaming.Domain.Alerts;
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
/// </summary>
public sealed class CustomerEntity : ReceiveActor, IWithStash, IWithTimers
{
    private readonly EntityId _id;
    private readonly CustomerEntityDependencies _dependencies;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<(IActorRef Sender, object Reply)> _awaitingNextWrite = [];
    private readonly List<(IActorRef Sender, object Reply)> _awaitingCurrentWrite = [];
    private readonly List<DomainSignal> _pendingSignals = [];
    private readonly VolumeTally _pendingVolume = new();
    private CustomerState _state = null!;
    private long _version;
    private bool _dirty;
    private bool _stopRequested;
    private bool _draining;
    private int _failedAttempts;
    private CustomerWrite? _currentWrite;

    public CustomerEntity(string entityId, CustomerEntityDependencies dependencies)
    {
        _id = EntityId.Parse(entityId);
        _dependencies = dependencies;
        Loading();
    }

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string entityId, CustomerEntityDependencies dependencies) =>
        Akka.Actor.Props.Create(() => new CustomerEntity(entityId, dependencies));

    protected override void PreStart()
    {
        _dependencies.Metrics.EntityStarted(CustomerShardingExtensions.TypeName);
        Load();
    }

    protected override void PostStop() => _dependencies.Metrics.EntityStopped(CustomerShardingExtensions.TypeName);

    private void Passivating() => _dependencies.Metrics.EntityPassivated(CustomerShardingExtensions.TypeName);

    private bool Idle => _currentWrite is null && !_dirty;

    private void Load() =>
        _dependencies.Store.LoadAsync(_id, CancellationToken.None)
            .PipeTo(Self, success: stored => new Loaded(stored), failure: ex => new LoadFailed(ex));

    private void Loading()
    {
        Receive<Loaded>(loaded =>
        {
            _state = _dependencies.Model.Restore(_id, loaded.Stored);
            _version = loaded.Stored?.Version ?? 0;
            _failedAttempts = 0;
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<LoadFailed>(failed =>
        {
            _failedAttempts++;
            if (_dependencies.FailureLog.ShouldLog("customer-load", out var suppressed))
            {
                _log.Warning("Loading customer {0} failed ({1}); retrying ({2} similar failures since last logged)", _id, failed.Cause.Message, suppressed);
            }
            Timers.StartSingleTimer("load", RetryLoad.Instance, _dependencies.Backoff(_failedAttempts));
        });
        Receive<RetryLoad>(_ => Load());
        Receive<StopCustomer>(_ =>
        {
            Passivating();
            Context.Stop(Self);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Ready()
    {
        Receive<ApplyMention>(apply =>
        {
            var observation = _dependencies.Model.Apply(_state, apply.Mention, apply.Position, _pendingSignals, _pendingVolume);
            AwaitWrite(observation is not null, new MentionApplied(apply.Position, observation));
        });
        Receive<ApplyProfile>(apply => apply.Profile is not null, apply =>
        {
            _dependencies.Model.ApplyProfile(_state, apply.Profile);
            AwaitWrite(changed: true, new ProfileApplied(apply.Position));
        });
        Receive<ApplyProfile>(apply =>
        {
            if (Idle)
            {
                Forget(apply);
            }
            else
            {
                // Forget only after what came before is written; hold everything after it until then.
                Stash.Stash();
                _draining = true;
                Become(Draining);
            }
        });
        ReceiveWrites();
        Receive<StopCustomer>(_ => StopWhenWritten());
    }

    /// <summary>Finishing the writes in flight before a tombstone; later messages wait in the stash.</summary>
    private void Draining()
    {
        ReceiveWrites();
        Receive<StopCustomer>(_ => StopWhenWritten());
        ReceiveAny(_ => Stash.Stash());
    }

    private void Forgetting(PendingTombstone tombstone)
    {
        Receive<Forgotten>(_ =>
        {
            _state = CustomerState.New(_id);
            _version = 0;
            _pendingSignals.Clear();
            _failedAttempts = 0;
            tombstone.ReplyTo.Tell(new ProfileApplied(tombstone.Position));
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<ForgetFailed>(failed =>
        {
            _failedAttempts++;
            if (_dependencies.FailureLog.ShouldLog("customer-forget", out var suppressed))
            {
                _log.Warning("Forgetting customer {0} failed ({1}); retrying ({2} similar failures since last logged)", _id, failed.Cause.Message, suppressed);
            }
            Timers.StartSingleTimer("forget", RetryForget.Instance, _dependencies.Backoff(_failedAttempts));
        });
        Receive<RetryForget>(_ => StartForget());
        Receive<StopCustomer>(_ =>
        {
            Passivating();
            _stopRequested = true;
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Forget(ApplyProfile tombstone)
    {
        var pending = new PendingTombstone(Sender, tombstone.Position);
        Become(() => Forgetting(pending));
        StartForget();
    }

    private void StartForget() =>
        _dependencies.Store.ForgetAsync(_id, CancellationToken.None)
            .PipeTo(Self, success: () => Forgotten.Instance, failure: ex => new ForgetFailed(ex));

    private void ReceiveWrites()
    {
        Receive<WriteSucceeded>(_ =>
        {
            if (_currentWrite is { Signals.Count: > 0 } written)
            {
                _dependencies.Metrics.SignalsWritten(written.Signals);
            }
            _currentWrite = null;
            _failedAttempts = 0;
            Reply(_awaitingCurrentWrite);
            if (!_dirty)
            {
                // Whoever waited for the next write asked about effects the write that just succeeded already held.
                Reply(_awaitingNextWrite);
            }
            StartWriteIfIdle();
            if (Idle)
            {
                if (_stopRequested)
                {
                    Context.Stop(Self);
                    return;
                }
                // Only a drain before a tombstone left Ready; rebuilding Ready's handlers after every write costs much.
                if (_draining)
                {
                    _draining = false;
                    Become(Ready);
                    Stash.UnstashAll();
                }
            }
        });
        Receive<WriteFailed>(failed =>
        {
            _failedAttempts++;
            if (_dependencies.FailureLog.ShouldLog("customer-write", out var suppressed))
            {
                _log.Warning("Writing customer {0} failed (attempt {1}: {2}); retrying ({3} similar failures since last logged)", _id, _failedAttempts, failed.Cause.Message, suppressed);
            }
            Timers.StartSingleTimer("write", RetryWrite.Instance, _dependencies.Backoff(_failedAttempts));
        });
        Receive<RetryWrite>(_ => Write());
        Receive<WriteSuperseded>(_ =>
        {
            // Another incarnation of this customer (on a node that has since been downed, or during a hand-off)
            // stored a newer version: this state is stale. Stop without confirming; the asks are repeated and a
            // new incarnation loads the stored state and applies what it lacks.
            if (_dependencies.FailureLog.ShouldLog("customer-superseded", out var suppressed))
            {
                _log.Warning("Customer {0} was written by another incarnation; reloading ({1} similar since last logged)", _id, suppressed);
            }
            Context.Stop(Self);
        });
    }

    private void AwaitWrite(bool changed, object reply)
    {
        // An asker on another node (a remote temporary actor) consumed this record there.
        if (!Sender.Path.Address.HasLocalScope)
        {
            _dependencies.Metrics.AppliedForAnotherNode(CustomerShardingExtensions.TypeName);
        }
        if (changed)
        {
            _dirty = true;
        }
        else if (Idle)
        {
            // Already applied and durable: a replay after a restart, or an ask retried after a timeout.
            Sender.Tell(reply);
            return;
        }
        _awaitingNextWrite.Add((Sender, reply));
        StartWriteIfIdle();
    }

    private void StopWhenWritten()
    {
        Passivating();
        if (Idle)
        {
            Context.Stop(Self);
        }
        else
        {
            _stopRequested = true;
        }
    }

    private static void Reply(List<(IActorRef Sender, object Reply)> waiting)
    {
        foreach (var (sender, reply) in waiting)
        {
            sender.Tell(reply);
        }
        waiting.Clear();
    }

    private void StartWriteIfIdle()
    {
        if (_currentWrite is not null || !_dirty)
        {
            return;
        }
        _currentWrite = _dependencies.Model.ToWrite(_state, ++_version, [.. _pendingSignals], _pendingVolume.Drain());
        _pendingSignals.Clear();
        _dirty = false;
        _awaitingCurrentWrite.AddRange(_awaitingNextWrite);
        _awaitingNextWrite.Clear();
        Write();
    }

    private void Write()
    {
        var write = _currentWrite!;
        var stored = _dependencies.Store.WriteAsync(write, CancellationToken.None);
        Task.WhenAll(stored, _dependencies.Publisher.PublishAsync(write.Signals, CancellationToken.None))
            .PipeTo(Self, success: () => stored.Result ? WriteSucceeded.Instance : WriteSuperseded.Instance, failure: ex => new WriteFailed(ex));
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
    private sealed record PendingTombstone(IActorRef ReplyTo, SourcePosition Position);
}

/// <summary>What every customer entity of a node shares: the rules, the store, the downstream publisher.</summary>
public sealed record CustomerEntityDependencies(CustomerModel Model, ICustomerStore Store, ISignalPublisher Publisher)
{
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where entities report starts, stops, passivations and written signals.</summary>
    public IEntityMetrics Metrics { get; init; } = NoEntityMetrics.Instance;

    /// <summary>Store failures are logged once per kind per period for all of the node's customers.</summary>
    public LogThrottle FailureLog { get; init; } = new(TimeSpan.FromSeconds(30));

    public TimeSpan Backoff(int attempt) => RetryBackoff.After(attempt, MaxBackoff);
}
