using Akka.Actor;
using Akka.Event;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Cluster.Brands;

/// <summary>
/// The brand-level crisis detector of one brand (volume spike, sentiment shift against a rolling
/// baseline), fed with per-minute counts from every node's stream. Its alerts are written to Redis
/// (idempotent on their deterministic ids) and the alerts topic, one write at a time, retried until
/// they land. Its baseline lives in memory: after a restart it warms up again.
/// </summary>
public sealed class BrandMonitorEntity : ReceiveActor, IWithTimers
{
    private readonly BrandMonitor _monitor;
    private readonly BrandMonitorDependencies _dependencies;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<DomainSignal> _detected = [];
    private readonly Queue<IReadOnlyList<OutboundSignal>> _toWrite = new();
    private readonly List<IActorRef> _awaitingWrites = [];
    private readonly Dictionary<string, (long Watermark, DateTimeOffset HeardAt)> _nodeWatermarks = new(StringComparer.Ordinal);
    private bool _writing;
    private int _failedAttempts;

    public BrandMonitorEntity(BrandMonitorDependencies dependencies)
    {
        _dependencies = dependencies;
        _monitor = new BrandMonitor(dependencies.Rules);

        Receive<ObserveBrandCounts>(observe =>
        {
            _monitor.Observe(observe.Minutes, LowestNodeWatermark(observe), _detected);
            if (_detected.Count > 0)
            {
                var now = _dependencies.Clock();
                _toWrite.Enqueue([.. _detected.Select(signal => (signal with { DetectedAt = now }).ToOutbound())]);
                _detected.Clear();
                WriteNext();
            }
            if (!Sender.IsNobody() && !Sender.Equals(Context.System.DeadLetters))
            {
                // Asked (a node draining before it stops): answer once what this detected is written.
                _awaitingWrites.Add(Sender);
                ReplyIfWritten(observe.EntityId);
            }
        });
        Receive<WriteSucceeded>(_ =>
        {
            _writing = false;
            _failedAttempts = 0;
            _dependencies.Metrics.SignalsWritten(_toWrite.Dequeue());
            WriteNext();
            ReplyIfWritten(Self.Path.Name);
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

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => _dependencies.Metrics.EntityStarted(BrandShardingExtensions.TypeName);

    protected override void PostStop() => _dependencies.Metrics.EntityStopped(BrandShardingExtensions.TypeName);

    public static Props Props(BrandMonitorDependencies dependencies) => Akka.Actor.Props.Create(() => new BrandMonitorEntity(dependencies));

    /// <summary>
    /// The lowest watermark of the nodes that reported lately: a minute is closed only once every node feeding
    /// this brand is past it. A node silent for <see cref="BrandMonitorDependencies.NodeSilenceLimit"/> has left,
    /// stopped, or has no traffic of this brand, and no longer holds the others back.
    /// </summary>
    private long LowestNodeWatermark(ObserveBrandCounts observe)
    {
        var now = _dependencies.Clock();
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

    private void ReplyIfWritten(string brand)
    {
        if (_toWrite.Count > 0)
        {
            return;
        }
        foreach (var waiting in _awaitingWrites)
        {
            waiting.Tell(new BrandCountsObserved(brand));
        }
        _awaitingWrites.Clear();
    }

    private void WriteNext()
    {
        if (_writing || _toWrite.Count == 0)
        {
            return;
        }
        _writing = true;
        var signals = _toWrite.Peek();
        Task.WhenAll(
                _dependencies.Store.WriteSignalsAsync(signals, CancellationToken.None),
                _dependencies.Publisher.PublishAsync(signals, CancellationToken.None))
            .PipeTo(Self, success: () => WriteSucceeded.Instance, failure: ex => new WriteFailed(ex));
    }

    private sealed record WriteSucceeded { public static readonly WriteSucceeded Instance = new(); }
    private sealed record WriteFailed(Exception Cause);
    private sealed record RetryWrite { public static readonly RetryWrite Instance = new(); }
}

public sealed record BrandMonitorDependencies(RulesOptions Rules, ICustomerStore Store, ISignalPublisher Publisher)
{
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Nodes report every second while they count this brand; silent this long, a node's watermark stops counting.</summary>
    public TimeSpan NodeSilenceLimit { get; init; } = TimeSpan.FromSeconds(10);
    public IEntityMetrics Metrics { get; init; } = NoEntityMetrics.Instance;
    public LogThrottle FailureLog { get; init; } = new(TimeSpan.FromSeconds(30));

    public TimeSpan Backoff(int attempt) => RetryBackoff.After(attempt, MaxBackoff);
}
