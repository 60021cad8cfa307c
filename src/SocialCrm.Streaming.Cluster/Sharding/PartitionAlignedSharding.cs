using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Sharding.External;
using Akka.Configuration;
using Akka.Hosting;

namespace SocialCrm.Streaming.Cluster.Sharding;

/// <summary>
/// Shard regions whose shards follow Kafka partitions: shard id = the partition of the entity id
/// (<see cref="PartitionAlignedMessageExtractor"/>), each shard placed by <see cref="ExternalShardAllocationStrategy"/>
/// on the node that consumes its partition (<see cref="PlaceShardsHereAsync"/>); coordinator state in ddata, no
/// remember-entities (state lives in Redis). Akka.Hosting's shard-region options have no allocation strategy, so
/// the region is started here and registered for <c>IRequiredActor&lt;TKey&gt;</c>.
/// </summary>
public static class PartitionAlignedSharding
{
    public static AkkaConfigurationBuilder WithPartitionAlignedRegion<TKey>(
        this AkkaConfigurationBuilder builder,
        string typeName,
        Func<string, Props> entityProps,
        int partitionCount,
        TimeSpan? passivateIdleAfter,
        object handOffStopMessage) =>
        builder
            // Missing from Akka.Cluster.Sharding 1.5.75's reference configuration; the client reads it on every update.
            .AddHocon("akka.cluster.sharding.external-shard-allocation-strategy.client-timeout = 5s", HoconAddMode.Prepend)
            .WithActors((system, registry) =>
            {
                var passivation = passivateIdleAfter is { } idle ? $"{(long)idle.TotalMilliseconds}ms" : "off";
                var settings = ClusterShardingSettings.Create(
                    ConfigurationFactory.ParseString($"""
                        state-store-mode = ddata
                        remember-entities = off
                        passivate-idle-entity-after = {passivation}
                        # How soon a shard follows its partition to the node newly assigned to consume it.
                        rebalance-interval = 2s
                        """).WithFallback(system.Settings.Config.GetConfig("akka.cluster.sharding")),
                    system.Settings.Config.GetConfig("akka.cluster.singleton"));
                var region = ClusterSharding.Get(system).Start(
                    typeName,
                    entityProps,
                    settings,
                    new PartitionAlignedMessageExtractor(partitionCount),
                    new ExternalShardAllocationStrategy(system, typeName),
                    handOffStopMessage);
                registry.Register<TKey>(region);
            });

    /// <summary>
    /// Records this node as where the shards of <paramref name="partitions"/> belong, for each region type in
    /// <paramref name="typeNames"/>, because it now consumes them: the coordinators move those shards here at their
    /// next rebalance, so a partition's entities live on the node that reads it. Called with every new assignment.
    /// </summary>
    public static Task PlaceShardsHereAsync(ActorSystem system, IEnumerable<int> partitions, params string[] typeNames)
    {
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var locations = partitions.ToImmutableDictionary(PartitionAlignedMessageExtractor.ShardIdOf, _ => self);
        var client = ExternalShardAllocation.Get(system);
        return Task.WhenAll(typeNames.Select(typeName => client.ClientFor(typeName).UpdateShardLocations(locations)));
    }
}
