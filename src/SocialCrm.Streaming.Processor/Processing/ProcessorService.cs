using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster;
using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Privacy;
using SocialCrm.Streaming.Host.Privacy;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Observability;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Output;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Starts consuming once this node is an Up cluster member. On shutdown, within one deadline
/// (<c>Kafka:DrainTimeout</c>): stops fetching, lets the stream finish what is in flight, cancels what is not done by
/// the deadline (asks included, so nothing retries past it), delivers the last brand counts, commits what is done and
/// leaves the group — before the actor system leaves the cluster, because hosted services stop in reverse order of
/// registration and this one is registered after Akka. When the stream or the consume loop ends by itself (a failure
/// that is no record's), it stops the application, so the process exits with code 1 instead of living on unconsuming.
/// </summary>
public sealed class ProcessorService(
    ActorSystem system,
    IRequiredActor<CustomerRegion> customers,
    IRequiredActor<BrandRegion> brands,
    SocialCrmOptions options,
    ProcessorTopics topics,
    DeadLetterPublisher deadLetters,
    IBrandRegistry brandRegistry,
    PipelineStats stats,
    ProcessorMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory,
    IRedactorProvider redactors,
    Pseudonymizer pseudonyms,
    PartitionFences fences) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ProcessorService>();
    /// <summary>Cancels the wait for cluster membership when the node stops before it started consuming.</summary>
    private readonly CancellationTokenSource _startCancelled = new();
    /// <summary>Cancels the pipeline's asks: at the stop deadline, or when the node is abandoned.</summary>
    private readonly CancellationTokenSource _workCancelled = new();
    private readonly TaskCompletionSource<KafkaConsumerLoop> _consumer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BrandVolumeAggregator _brandVolume = new();
    private Task _stream = Task.CompletedTask;
    private Task _starting = Task.CompletedTask;
    private KafkaConsumerLoop? _created;
    private Timer? _brandFlush;
    private BrandReporter? _brandReporter;
    private volatile bool _stopRequested;
    private volatile string? _failure;

    /// <summary>Completes once consumption has started.</summary>
    public Task<KafkaConsumerLoop> Consumer => _consumer.Task;

    /// <summary>True once a stop (or an abandon) was asked for: the stream ending then is expected.</summary>
    public bool IsStopping => _stopRequested;

    /// <summary>False once the stream has ended (a failure, unless <see cref="IsStopping"/>); true before it starts.</summary>
    public bool IsStreamRunning => !_consumer.Task.IsCompletedSuccessfully || !_stream.IsCompleted;

    /// <summary>What ended consumption by itself (a fixed phrase, no exception text), or null.</summary>
    public string? Failure => _failure;

    /// <summary>After <see cref="StopAsync"/>: every record handed out was done, the last counts delivered, the offsets committed and the group left.</summary>
    public bool Drained { get; private set; }

    /// <summary>Builds the consumer at once, so a setting the Kafka client refuses stops start-up (exit code 2); consuming starts once Up.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _created = KafkaClientSettings.Build(options.Kafka, "consumer", () => new KafkaConsumerLoop(options.Kafka, [topics.Mentions, topics.Profiles],
            loggerFactory.CreateLogger<KafkaConsumerLoop>(),
            assigned => OnAssignmentChanged([.. assigned.Where(tp => tp.Topic == topics.Mentions).Select(tp => tp.Partition.Value)]),
            new LogThrottle(TimeSpan.FromMinutes(1)).ShouldLog));
        _starting = StartWhenMemberUpAsync(_created);
        _ = _starting.ContinueWith(failed => Fail("starting to consume failed", failed.Exception?.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    private async Task StartWhenMemberUpAsync(KafkaConsumerLoop consumer)
    {
        var memberUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => memberUp.TrySetResult());
        await memberUp.Task.WaitAsync(_startCancelled.Token).ConfigureAwait(false);
        var region = await customers.GetAsync(_startCancelled.Token).ConfigureAwait(false);
        var brandReporter = _brandReporter = new BrandReporter(_brandVolume, await brands.GetAsync(_startCancelled.Token).ConfigureAwait(false),
            ReporterName, options.Pipeline.AskTimeout, stats);
        _startCancelled.Token.ThrowIfCancellationRequested();
        _brandFlush = new Timer(_ => brandReporter.Report(), null, BrandFlushInterval, BrandFlushInterval);
        var log = new RateLimitedLog(_logger, TimeSpan.FromMinutes(1), redactors.GetRedactor(PrivacyClassifications.EntityId));
        var pipeline = new MentionPipeline(region, deadLetters, stats, log,
            _brandVolume, new BrandAdmission(options.Tenants, brandRegistry, log), metrics, options.Pipeline,
            options.Privacy.PseudonymiseAuthors ? pseudonyms : null);
        consumer.Start();
        _stream = pipeline.RunAsync(consumer, system, _workCancelled.Token);
        _consumer.SetResult(consumer);
        _ = StopTheApplicationIfConsumptionEndsAsync(consumer);
        _logger.LogInformation("Consuming {Mentions} and {Profiles} as group {GroupId}", topics.Mentions, topics.Profiles, options.Kafka.GroupId);
    }

    /// <summary>
    /// A stream, consume loop or actor system that ends while nobody asked for it (a bug, a fatal client error, this
    /// node downed) would leave a live process that consumes nothing and keeps its partitions. The process stops instead
    /// (exit code 1): its partitions go to the other members, and a restart resumes from the last commit.
    /// </summary>
    private async Task StopTheApplicationIfConsumptionEndsAsync(KafkaConsumerLoop consumer)
    {
        await Task.WhenAny(_stream, consumer.Exited, system.WhenTerminated).ConfigureAwait(false);
        if (_stopRequested)
        {
            return;
        }
        var (failure, cause) = consumer.Failure is { } loopFailure
            ? ("the Kafka consume loop failed", loopFailure)
            : _stream.IsFaulted
                ? ("the mention stream failed", _stream.Exception?.GetBaseException())
                : _stream.IsCompleted
                    ? ("the mention stream ended", null)
                    // Downed by the split-brain resolver, or stopped by a bug: its entities are gone with it.
                    : ("the actor system terminated", (Exception?)null);
        Fail(failure, cause);
    }

    private void Fail(string failure, Exception? cause)
    {
        _failure = failure;
        _logger.LogCritical(cause, "Consumption ended by itself ({Failure}); stopping the process (exit code 1) so that it restarts from the last commit and its partitions go to the other members meanwhile", failure);
        lifetime.StopApplication();
    }

    /// <summary>The profiles topic is co-partitioned with mentions, so the mention partitions name this node's shards.</summary>
    private void OnAssignmentChanged(IReadOnlyCollection<int> mentionPartitions)
    {
        _brandVolume.Track(mentionPartitions);
        _ = fences.AssignedAsync(mentionPartitions).ContinueWith(
            failed => _logger.LogWarning(failed.Exception?.GetBaseException(),
                "Could not claim partitions {Partitions} in Redis; their writes are checked by flush version only until the next assignment",
                string.Join(",", mentionPartitions)),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        if (mentionPartitions.Count == 0)
        {
            return;
        }
        _ = PartitionAlignedSharding.PlaceShardsHereAsync(system, mentionPartitions, CustomerShardingExtensions.TypeName, BrandShardingExtensions.TypeName).ContinueWith(
            failed => _logger.LogWarning(failed.Exception?.GetBaseException(),
                "Could not record partitions {Partitions} as this node's shards; they are processed where they are until the next assignment",
                string.Join(",", mentionPartitions)),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>Everything here shares one deadline, <c>Kafka:DrainTimeout</c> (or <paramref name="cancellationToken"/>, if sooner).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopRequested = true;
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Kafka.DrainTimeout);
        await _startCancelled.CancelAsync().ConfigureAwait(false);
        await Task.WhenAny(_starting, Task.Delay(Timeout.Infinite, deadline.Token)).ConfigureAwait(false);
        if (!_consumer.Task.IsCompletedSuccessfully)
        {
            // Stopped before consuming: nothing was taken, so nothing is left undone.
            Drained = _starting.IsCompleted && (_created is null || await _created.StopAsync().ConfigureAwait(false));
            if (_created is not null)
            {
                await _created.DisposeAsync().ConfigureAwait(false);
            }
            return;
        }
        var consumer = _consumer.Task.Result;
        await consumer.StopFetchingAsync(deadline.Token).ConfigureAwait(false);
        // Without the actor system no record in flight can finish: no reason to wait for the deadline then.
        await Task.WhenAny(_stream, system.WhenTerminated, Task.Delay(Timeout.Infinite, deadline.Token)).ConfigureAwait(false);
        var drained = _stream.IsCompletedSuccessfully;
        if (!_stream.IsCompleted)
        {
            _logger.LogWarning("{InFlight} records were not done by the stop deadline ({Timeout}); they are abandoned and the next owner replays them",
                consumer.InFlight, options.Kafka.DrainTimeout);
        }
        // Nothing may go on retrying past the deadline.
        await _workCancelled.CancelAsync().ConfigureAwait(false);
        if (_brandFlush is not null)
        {
            await _brandFlush.DisposeAsync().ConfigureAwait(false);
        }
        var flushed = !system.WhenTerminated.IsCompleted && await FlushBrandVolumeAsync(options.Kafka.DrainTimeout - clock.Elapsed).ConfigureAwait(false);
        var closed = await consumer.CloseAsync(options.Kafka.DrainTimeout - clock.Elapsed).ConfigureAwait(false);
        await consumer.DisposeAsync().ConfigureAwait(false);
        Drained = drained && flushed && closed;
        _logger.LogInformation("Stopped consuming in {Elapsed:N1} s: {Committed} records committed{Outcome}", clock.Elapsed.TotalSeconds, consumer.CommittedRecords,
            Drained ? "" : "; some work was abandoned (replayed by the next owner)");
    }

    /// <summary>This node's address and incarnation: a node restarted on the same address numbers its reports afresh.</summary>
    private string ReporterName
    {
        get
        {
            var self = Akka.Cluster.Cluster.Get(system).SelfUniqueAddress;
            return $"{self.Address}#{self.Uid}";
        }
    }

    /// <summary>How often this node reports its per-brand, per-minute counts to the brand monitors.</summary>
    private static readonly TimeSpan BrandFlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>The last reports before stopping are answered, so brand alerts they trigger are written before the actor system goes.</summary>
    private async Task<bool> FlushBrandVolumeAsync(TimeSpan limit)
    {
        if (_brandReporter is { } reporter && !await reporter.FlushAsync(limit).ConfigureAwait(false))
        {
            _logger.LogWarning("Brand monitors did not confirm the last counts by the stop deadline");
            return false;
        }
        return true;
    }

    /// <summary>Stops as a crash would (no drain, no commit): for tests of what a restart recovers.</summary>
    public async Task AbandonAsync()
    {
        _stopRequested = true;
        var consumer = await _consumer.Task.ConfigureAwait(false);
        await consumer.AbandonAsync().ConfigureAwait(false);
        await _workCancelled.CancelAsync().ConfigureAwait(false);
    }
}
