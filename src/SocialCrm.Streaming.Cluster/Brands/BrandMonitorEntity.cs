using Akka.Actor;
using Akka.Event;
using SocialCrm.Streaming.Cluster.Rules;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Snapshots;

namespace SocialCrm.Streaming.Cluster.Brands;

/// <summary>
/// The brand-level crisis detector of one brand (volume spike, sentiment shift against a rolling
/// baseline), fed with per-minute counts from every node's stream. After each report its alerts and then
/// its detector state are written to Redis (alerts idempotent on their deterministic ids) and the alerts to
/// the alerts topic, one write at a time, retried until they land; a monitor started on another node (a
/// hand-off, a lost node) loads that state first and goes on with the same baselines. The state also holds
/// the last report number applied per node, and a report is answered only once written: a node sends a
/// report again until answered, and one already applied is answered without being counted twice.
/// When the node's rules change, the detector is rebuilt under the new ones with its state carried over, before the
/// next report is applied; its alerts record the version they were raised under.
/// </summary>
public sealed class BrandMonitorEntity : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private readonly string _brand;
    private BrandMonitor _monitor;
    private string _rulesVersion;
    private readonly BrandMonitorDependencies _dependencies;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<DomainSignal> _detected = [];
    /// <summary>Writes in order; only the first is in flight, so later reports merge into the last one waiting.</summary>
    private readonly List<PendingWrite> _toWrite = [];
    private readonly Dictionary<string, (long Watermark, DateTimeOffset HeardAt)> _nodeWatermarks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AppliedReport> _appliedReports = new(StringComparer.Ordinal);
    private bool _writing;
    private int _failedAttempts;

    public BrandMonitorEntity(string brand, BrandMonitorDependencies dependencies)
    {
        _brand = brand;
        _dependencies = dependencies;
        var rules = dependencies.Rules.Current;
        _monitor = new BrandMonitor(rules.Rules);
        _rulesVersion = rules.Version;
        Become(Loading);
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    protected override void PreStart()
    {
        _dependencies.Metrics.EntityStarted(BrandShardingExtensions.TypeName);
        Load();
    }

    protected override void PostStop() => _dependencies.Metrics.EntityStopped(BrandShardingExtensions.TypeName);

    public static Props Props(string brand, BrandMonitorDependencies dependencies) => Akka.Actor.Props.Create(() => new BrandMonitorEntity(brand, dependencies));

    private void Load() =>
        _dependencies.Store.LoadBrandMonitorAsync(_brand, CancellationToken.None)
            .PipeTo(Self, success: state => new Loaded(state), failure: ex => new LoadFailed(ex));

    private void Loading()
    {
        Receive<Loaded>(loaded =>
        {
            if (loaded.State is { } state)
            {
                RestoreOrStartAfresh(state);
            }
            _failedAttempts = 0;
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<LoadFailed>(failed =>
        {
            if (failed.Cause is UnreadableStateException unreadable)
            {
                // Retrying would never read it: the brand would stay silent.
                StartAfresh(unreadable.Message);
                _failedAttempts = 0;
                Become(Ready);
                Stash.UnstashAll();
                return;
            }
            _failedAttempts++;
            if (_dependencies.FailureLog.ShouldLog("brand-load", out var suppressed))
            {
                _log.Warning("Loading the monitor of brand {0} failed ({1}); retrying ({2} similar failures since last logged)", _brand, failed.Cause.Message, suppressed);
            }
            Timers.StartSingleTimer("load", RetryLoad.Instance, _dependencies.Backoff(_failedAttempts));
        });
        Receive<RetryLoad>(_ => Load());
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>
    /// A saved state this monitor cannot read (another tool wrote the key, a version that saved another shape) must not
    /// silence the brand: reading it threw in the handler, the entity restarted, loaded it again, and never detected.
    /// It starts afresh instead, re-learning its baselines; its next save replaces the unreadable value.
    /// </summary>
    private void RestoreOrStartAfresh(byte[] state)
    {
        try
        {
            BrandMonitorSnapshot.Read(state, _monitor, _appliedReports);
        }
        catch (Exception ex) when (SavedState.IsFlaw(ex))
        {
            StartAfresh(ex.Message);
        }
    }

    private void StartAfresh(string flaw)
    {
        _log.Error("The saved monitor of brand {0} cannot be read ({1}); it starts afresh and re-learns its baselines", _brand, flaw);
        var rules = _dependencies.Rules.Current;
        _monitor = new BrandMonitor(rules.Rules);
        _rulesVersion = rules.Version;
        _appliedReports.Clear();
    }

    private void Ready()
    {
        Receive<ObserveBrandCounts>(observe =>
        {
            if (_appliedReports.TryGetValue(observe.Node, out var applied) && observe.Sequence <= applied.Sequence)
            {
                AnswerOnceWritten(Sender);
                return;
            }
            var now = _dependencies.Clock();
            _appliedReports[observe.Node] = new AppliedReport(observe.Sequence, now);
            ForgetLongSilentReporters(now);
            FollowRuleChange();
            _monitor.Observe(observe.Minutes, LowestNodeWatermark(observe, now), _detected);
            IReadOnlyList<OutboundSignal> signals = [.. _detected.Select(signal => (signal with { DetectedAt = now, RulesVersion = _rulesVersion }).ToOutbound())];
            _detected.Clear();
            Enqueue(signals, BrandMonitorSnapshot.Write(_monitor, _appliedReports));
            AnswerOnceWritten(Sender);
        });
        Receive<WriteSucceeded>(_ =>
        {
            _writing = false;
            _failedAttempts = 0;
            var written = _toWrite[0];
            _dependencies.Metrics.SignalsWritten(written.Signals);
            _toWrite.RemoveAt(0);
            WriteNext();
            written.Answer.ForEach(reporter => reporter.Tell(new BrandCountsObserved(_brand)));
        });
        Receive<WriteFailed>(failed =>
        {
            _failedAttempts++;
            if (_dependencies.FailureLog.ShouldLog("brand-write", out var suppressed))
            {
                _log.Warning("Writing brand alerts failed (attempt {0}: {1}); retrying ({2} similar failures since last logged)", _failedAttempts, failed.Cause.Message, suppressed);
            }
            Timers.StartSingleTimer("write", RetryWrite.Instance, _dependencies.Backoff(_failedAttempts));
        });
        Receive<RetryWrite>(_ =>
        {
            _writing = false;
            WriteNext();
        });
    }

    /// <summary>Rebuilds the detector under the node's current rules when they changed, keeping its baselines and applied reports.</summary>
    private void FollowRuleChange()
    {
        var rules = _dependencies.Rules.Current;
        if (rules.Version == _rulesVersion)
        {
            return;
        }
        var state = BrandMonitorSnapshot.Write(_monitor, _appliedReports);
        _monitor = new BrandMonitor(rules.Rules);
        BrandMonitorSnapshot.Read(state, _monitor, _appliedReports);
        _log.Info("Brand {0} now detects under rules {1} (were {2})", _brand, rules.Version, _rulesVersion);
        _rulesVersion = rules.Version;
    }

    private void Enqueue(IReadOnlyList<OutboundSignal> signals, byte[] state)
    {
        var waiting = _toWrite.Count - (_writing ? 1 : 0);
        if (waiting > 0)
        {
            var last = _toWrite[^1];
            _toWrite[^1] = new PendingWrite([.. last.Signals, .. signals], state, last.Answer);
        }
        else
        {
            _toWrite.Add(new PendingWrite(signals, state, []));
        }
        WriteNext();
    }

    /// <summary>A report is answered when the last write queued now lands: that write holds it (or a later state that does).</summary>
    private void AnswerOnceWritten(IActorRef reporter)
    {
        if (reporter.IsNobody() || reporter.Equals(Context.System.DeadLetters))
        {
            return;
        }
        if (_toWrite.Count == 0)
        {
            reporter.Tell(new BrandCountsObserved(_brand));
            return;
        }
        _toWrite[^1].Answer.Add(reporter);
    }

    /// <summary>A node not heard from for <see cref="BrandMonitorDependencies.ReportMemory"/> has stopped: its numbers are no longer kept.</summary>
    private void ForgetLongSilentReporters(DateTimeOffset now)
    {
        foreach (var (node, applied) in _appliedReports)
        {
            if (now - applied.HeardAt > _dependencies.ReportMemory)
            {
                _appliedReports.Remove(node);
            }
        }
    }

    /// <summary>
    /// The lowest watermark of the nodes that reported lately: a minute is closed only once every node feeding
    /// this brand is past it. A node silent for <see cref="BrandMonitorDependencies.NodeSilenceLimit"/> has left,
    /// stopped, or has no traffic of this brand, and no longer holds the others back.
    /// </summary>
    private long LowestNodeWatermark(ObserveBrandCounts observe, DateTimeOffset now)
    {
        _nodeWatermarks[observe.Node] = (observe.Watermark, now);
        var lowest = long.MaxValue;
        List<string>? silent = null;
        foreach (var (node, (watermark, heardAt)) in _nodeWatermarks)
        {
            if (now - heardAt > _dependencies.NodeSilenceLimit)
            {
                (silent ??= []).Add(node);
            }
            else
            {
                lowest = Math.Min(lowest, watermark);
            }
        }
        silent?.ForEach(node => _nodeWatermarks.Remove(node));
        return lowest;
    }

    private void WriteNext()
    {
        if (_writing || _toWrite.Count == 0)
        {
            return;
        }
        _writing = true;
        WriteAsync(_toWrite[0]).PipeTo(Self, success: () => WriteSucceeded.Instance, failure: ex => new WriteFailed(ex));
    }

    /// <summary>Alerts before the state that no longer holds them as pending: a crash in between re-detects them (same ids).</summary>
    private async Task WriteAsync(PendingWrite write)
    {
        if (write.Signals.Count > 0)
        {
            await Task.WhenAll(
                    _dependencies.Store.WriteSignalsAsync(write.Signals, CancellationToken.None),
                    _dependencies.Publisher.PublishAsync(write.Signals, CancellationToken.None))
                .ConfigureAwait(false);
        }
        await _dependencies.Store.SaveBrandMonitorAsync(_brand, write.State, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Alerts and the state to write, and the reporters to answer once it is written.</summary>
    private sealed record PendingWrite(IReadOnlyList<OutboundSignal> Signals, byte[] State, List<IActorRef> Answer);
    private sealed record Loaded(byte[]? State);
    private sealed record LoadFailed(Exception Cause);
    private sealed record RetryLoad { public static readonly RetryLoad Instance = new(); }
    private sealed record WriteSucceeded { public static readonly WriteSucceeded Instance = new(); }
    private sealed record WriteFailed(Exception Cause);
    private sealed record RetryWrite { public static readonly RetryWrite Instance = new(); }
}

public sealed record BrandMonitorDependencies(LiveRules Rules, ICustomerStore Store, ISignalPublisher Publisher)
{
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Nodes report every second while they count this brand; silent this long, a node's watermark stops counting.</summary>
    public TimeSpan NodeSilenceLimit { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long a node's last applied report number is kept after its last report: far longer than it sends one report again.</summary>
    public TimeSpan ReportMemory { get; init; } = TimeSpan.FromHours(1);
    public IEntityMetrics Metrics { get; init; } = NoEntityMetrics.Instance;
    public LogThrottle FailureLog { get; init; } = new(TimeSpan.FromSeconds(30));

    public TimeSpan Backoff(int attempt) => RetryBackoff.After(attempt, MaxBackoff);
}
