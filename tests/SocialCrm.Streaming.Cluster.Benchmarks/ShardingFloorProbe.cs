using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster.Mailboxes;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Host.Bench;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Cluster.Benchmarks;

/// <summary>One count of empty entities activated in a new actor system: the rate, the CPU, the allocation and the memory they took.</summary>
public sealed record FloorResult(int Entities, double ActivationsPerSecond, double CpuMicrosecondsPerActivation, double AllocatedBytesPerActivation,
    double HeapBytesPerEntity, long ManagedHeapBytes, long WorkingSetBytes);

/// <summary>
/// A node's sharding as the processor sets it up (<see cref="PartitionAlignedSharding"/> over the mention topic's
/// partitions, ddata, no remember-entities, idle passivation as in the bench's scale phase, <see cref="CompactDequeMailbox"/>)
/// in a cluster of one, with entities that do nothing, sent the pipeline's default window of messages at a time: the floor
/// under the customer entity's activation rate, heap per entity and working set.
/// </summary>
public static class ShardingFloorProbe
{
    private const string TypeName = "floor";

    private static readonly int Partitions = TopicCatalog.LoadDefault().Mentions.Partitions;
    private static readonly int Window = new PipelineOptions().Parallelism;

    public static async Task<FloorResult> MeasureAsync(int entities, CancellationToken cancellationToken)
    {
        using var host = await StartAsync(cancellationToken).ConfigureAwait(false);
        var system = host.Services.GetRequiredService<ActorSystem>();
        var region = host.Services.GetRequiredService<IRequiredActor<FloorRegion>>().ActorRef;
        var idle = HeapProbe.AfterFullCollection();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var elapsed = Stopwatch.StartNew();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new ActivationDriver(region, "acme", entities, Window, done)));
        await done.Task.WaitAsync(TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        var seconds = elapsed.Elapsed.TotalSeconds;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var loaded = HeapProbe.AfterFullCollection();
        await host.StopAsync(cancellationToken).ConfigureAwait(false);
        return new FloorResult(entities, entities / seconds, cpu.TotalMicroseconds / entities, (double)allocated / entities,
            (double)(loaded.ManagedHeapBytes - idle.ManagedHeapBytes) / entities, loaded.ManagedHeapBytes, loaded.WorkingSetBytes);
    }

    private static async Task<IHost> StartAsync(CancellationToken cancellationToken)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // One props for every entity, as the customer region has.
        var entityProps = EntityDeploy.Props(new EmptyEntity.Producer(), CompactDequeMailbox.ConfigId);
        builder.Services.AddAkka("floor", akka => akka
            // Stopping a million entities outlasts the hand-off timeout: expected here, not worth a warning per shard.
            .AddHocon("akka.loglevel = ERROR", HoconAddMode.Prepend)
            .WithRemoting("127.0.0.1", 0)
            .WithClustering(new ClusterOptions())
            .AddHocon(CompactDequeMailbox.Hocon, HoconAddMode.Prepend)
            .WithPartitionAlignedRegion<FloorRegion>(TypeName,
                _ => entityProps, Partitions, ScalePhase.PassivateIdleAfter, PoisonPill.Instance)
            .AddStartup((system, _) =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            }));
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        var system = host.Services.GetRequiredService<ActorSystem>();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        await PartitionAlignedSharding.PlaceShardsHereAsync(system, Enumerable.Range(0, Partitions), TypeName).ConfigureAwait(false);
        return host;
    }

    private sealed class FloorRegion;
}
