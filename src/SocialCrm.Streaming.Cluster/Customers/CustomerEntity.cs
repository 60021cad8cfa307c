using Akka.Actor;
using Akka.Event;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>
/// One customer (or prospect) of one brand. Loads its snapshot before its first message, applies
/// mentions in arrival order, and makes them durable with one write at a time: mentions that arrive
/// while a write is in flight are applied at once and written together by the next one (write
/// coalescing). Every ask is answered only after a write containing its mention succeeded; a failed
/// write is retried unchanged (same version, same increments), so the store never counts it twice.
/// </summary>
public sealed class CustomerEntity : ReceiveActor, IWithStash, IWithTimers
{
    private readonly EntityId _id;
    private readonly CustomerEntityDependencies _dependencies;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<(IActorRef Sender, SourcePosition Position)> _awaitingNextWrite = [];
    private readonly List<(IActorRef Sender, SourcePosition Position)> _awaitingCurrentWrite = [];
    private readonly List<OutboundSignal> _pendingSignals = [];
    private readonly VolumeTally _pendingVolume = new();
    private CustomerState _state = null!;
    private long _version;
    private bool _dirty;
    private bool _stopRequested;
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

    protected override void PreStart() => Load();

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
            _log.Warning("Loading customer {0} failed ({1}); retrying", _id, failed.Cause.Message);
            Timers.StartSingleTimer("load", RetryLoad.Instance, _dependencies.Backoff(_failedAttempts));
        });
        Receive<RetryLoad>(_ => Load());
        Receive<StopCustomer>(_ => Context.Stop(Self));
        ReceiveAny(_ => Stash.Stash());
    }

    private void Ready()
    {
        Receive<ApplyMention>(apply =>
        {
            if (_dependencies.Model.Apply(_state, apply.Mention, apply.Position, _pendingSignals, _pendingVolume))
            {
                _dirty = true;
            }
            else if (!_dirty && _currentWrite is null)
            {
                // Already applied and durable: a replay after a restart, or an ask retried after a timeout.
                Sender.Tell(new MentionApplied(apply.Position));
                return;
            }
            _awaitingNextWrite.Add((Sender, apply.Position));
            StartWriteIfIdle();
        });
        Receive<WriteSucceeded>(_ =>
        {
            _currentWrite = null;
            _failedAttempts = 0;
            foreach (var (sender, position) in _awaitingCurrentWrite)
            {
                sender.Tell(new MentionApplied(position));
            }
            _awaitingCurrentWrite.Clear();
            if (!_dirty)
            {
                // Whoever waited for the next write asked about mentions the write that just succeeded already held.
                foreach (var (sender, position) in _awaitingNextWrite)
                {
                    sender.Tell(new MentionApplied(position));
                }
                _awaitingNextWrite.Clear();
            }
            StartWriteIfIdle();
            if (_stopRequested && _currentWrite is null)
            {
                Context.Stop(Self);
            }
        });
        Receive<WriteFailed>(failed =>
        {
            _failedAttempts++;
            _log.Warning("Writing customer {0} failed (attempt {1}: {2}); retrying", _id, _failedAttempts, failed.Cause.Message);
            Timers.StartSingleTimer("write", RetryWrite.Instance, _dependencies.Backoff(_failedAttempts));
        });
        Receive<RetryWrite>(_ => Write());
        Receive<StopCustomer>(_ =>
        {
            if (_currentWrite is null && !_dirty)
            {
                Context.Stop(Self);
            }
            else
            {
                _stopRequested = true;
                StartWriteIfIdle();
            }
        });
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
        Task.WhenAll(
                _dependencies.Store.WriteAsync(write, CancellationToken.None),
                _dependencies.Publisher.PublishAsync(write.Signals, CancellationToken.None))
            .PipeTo(Self, success: () => WriteSucceeded.Instance, failure: ex => new WriteFailed(ex));
    }

    private sealed record Loaded(StoredCustomer? Stored);
    private sealed record LoadFailed(Exception Cause);
    private sealed record RetryLoad { public static readonly RetryLoad Instance = new(); }
    private sealed record WriteSucceeded { public static readonly WriteSucceeded Instance = new(); }
    private sealed record WriteFailed(Exception Cause);
    private sealed record RetryWrite { public static readonly RetryWrite Instance = new(); }
}

/// <summary>What every customer entity of a node shares: the rules, the store, the downstream publisher.</summary>
public sealed record CustomerEntityDependencies(CustomerModel Model, ICustomerStore Store, ISignalPublisher Publisher)
{
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Exponential from 50 ms, capped: a Redis outage is retried quickly at first, then calmly.</summary>
    public TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(attempt - 1, 16))));
}
