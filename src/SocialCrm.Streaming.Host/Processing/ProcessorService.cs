using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster;
using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Observability;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Output;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Starts consuming once this node is an Up cluster member, and on shutdown stops taking records,
/// drains what is in flight, commits and leaves the group — before the actor system stops, because
/// hosted services stop in reverse order of registration and this one is registered after Akka.
/// </summary>
public sealed class ProcessorService(
    ActorSystem system,
    IRequiredActor<CustomerRegion> customers,
    IRequiredActor<BrandRegion> brands,
    SocialCrmOptions options,
    ProcessorTopics topics,
    DeadLetterPublisher deadLetters,
    PipelineStats stats,
    ProcessorMetrics metrics,
    ILoggerFactory loggerFactory) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ProcessorService>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<KafkaConsumerLoop> _consumer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BrandVolumeAggregator _brandVolume = new();
    private Task _stream = Task.CompletedTask;
    private Task _starting = Task.CompletedTask;
    private Timer? _brandFlush;
    private BrandReporter? _brandReporter;

    /// <summary>Completes once consumption has started.</summary>
    public Task<KafkaConsumerLoop> Consumer => _consumer.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _starting = StartWhenMemberUpAsync();
        return Task.CompletedTask;
    }

    private async Task StartWhenMemberUpAsync()
    {
        var memberUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => memberUp.TrySetResult());
        await memberUp.Task.WaitAsync(_stopping.Token).ConfigureAwait(false);
        var region = await customers.GetAsync(_stopping.Token).ConfigureAwait(false);
        var brandReporter = _brandReporter = new BrandReporter(_brandVolume, await brands.GetAsync(_stopping.Token).ConfigureAwait(false),
            ReporterName, options.Pipeline.AskTimeout, stats);
        _brandFlush = new Timer(_ => brandReporter.Report(), null, BrandFlushInterval, BrandFlushInterval);
        var consumer = new KafkaConsumerLoop(options.Kafka, [topics.Mentions, topics.Profiles], loggerFactory.CreateLogger<KafkaConsumerLoop>(),
            assigned => OnAssignmentChanged([.. assigned.Where(tp => tp.Topic == topics.Mentions).Select(tp => tp.Partition.Value)]),
            new LogThrottle(TimeSpan.FromMinutes(1)).ShouldLog);
        var pipeline = new MentionPipeline(region, deadLetters, stats, new RateLimitedLog(_logger, TimeSpan.FromMinutes(1)),
            _brandVolume, metrics, options.Pipeline.Parallelism, options.Pipeline.AskTimeout, options.Pipeline.MaxEventTimeSkew);
        consumer.Start();
        _stream = pipeline.RunAsync(consumer, system.Materializer(), _stopping.Token);
        _ = _stream.ContinueWith(
            t =>
            {
                // A stream cancelled because this node is stopping is not a failure.
                if (!_stopping.IsCancellationRequested)
                {
                    _logger.LogCritical(t.Exception, "The mention stream failed");
                }
            },
            TaskContinuationOptions.OnlyOnFaulted);
        _consumer.SetResult(consumer);
        _logger.LogInformation("Consuming {Mentions} and {Profiles} as group {GroupId}", topics.Mentions, topics.Profiles, options.Kafka.GroupId);
    }

    /// <summary>The profiles topic is co-partitioned with mentions, so the mention partitions name this node's shards.</summary>
    private void OnAssignmentChanged(IReadOnlyCollection<int> mentionPartitions)
    {
        _brandVolume.Track(mentionPartitions);
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

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_consumer.Task.IsCompleted)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _starting.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            return;
        }
        var consumer = await _consumer.Task.ConfigureAwait(false);
        await consumer.StopAsync().ConfigureAwait(false);
        await _stream.WaitAsync(options.Kafka.DrainTimeout, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (_brandFlush is not null)
        {
            await _brandFlush.DisposeAsync().ConfigureAwait(false);
        }
        await FlushBrandVolumeAndWaitAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await consumer.DisposeAsync().ConfigureAwait(false);
        _logger.LogInformation("Stopped consuming: {Committed} records committed", consumer.CommittedRecords);
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
    private async Task FlushBrandVolumeAndWaitAsync()
    {
        if (_brandReporter is { } reporter && !await reporter.FlushAsync(options.Kafka.DrainTimeout).ConfigureAwait(false))
        {
            _logger.LogWarning("Brand monitors did not confirm the last counts within {Timeout}", options.Kafka.DrainTimeout);
        }
    }

    /// <summary>Stops as a crash would (no drain, no commit): for tests of what a restart recovers.</summary>
    public async Task AbandonAsync()
    {
        var consumer = await _consumer.Task.ConfigureAwait(false);
        await consumer.AbandonAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
    }
}
