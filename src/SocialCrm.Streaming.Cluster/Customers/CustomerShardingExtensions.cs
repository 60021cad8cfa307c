using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Sharding.External;
using Akka.Configuration;
using Akka.Hosting;
using SocialCrm.Streaming.Cluster.Mailboxes;
using SocialCrm.Streaming.Cluster.Sharding;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>Marker for the customer shard region in the actor registry.</summary>
public sealed class CustomerRegion;

public static class CustomerShardingExtensions
{
    public const string TypeName = "customer";

    /// <summary>
    /// One entity per customer, sharded by Kafka partition (<see cref="PartitionAlignedMessageExtractor"/>) and
    /// placed by <see cref="ExternalShardAllocationStrategy"/> on the node that consumes the partition (see
    /// <see cref="PlaceShardsHereAsync"/>); coordinator state in ddata, no remember-entities (state lives in
    /// Redis), idle entities passivated. Akka.Hosting's shard-region options have no allocation strategy, so
    /// the region is started here and registered for <c>IRequiredActor&lt;CustomerRegion&gt;</c>.
    /// </summary>
    public static AkkaConfigurationBuilder AddCustomerShardRegion(
        this AkkaConfigurationBuilder builder,
        int partitionCount,
        CustomerEntityDependencies dependencies,
        TimeSpan passivateIdleAfter) =>
        builder
            // Missing from Akka.Cluster.Sharding 1.5.73's reference configuration; the client reads it on every update.
            .AddHocon("akka.cluster.sharding.external-shard-allocation-strategy.client-timeout = 5s", HoconAddMode.Prepend)
            .AddHocon(CompactDequeMailbox.Hocon, HoconAddMode.Prepend)
            .WithActors((system, registry) =>
            {
                var sharding = system.Settings.Config.GetConfig("akka.cluster.sharding");
                var settings = ClusterShardingSettings.Create(
                    ConfigurationFactory.ParseString($"""
                        state-store-mode = ddata
                        remember-entities = off
                        passivate-idle-entity-after = {(long)passivateIdleAfter.TotalMilliseconds}ms
                        # How soon a shard follows its partition to the node newly assigned to consume it.
                        rebalance-interval = 2s
                        """).WithFallback(sharding),
                    system.Settings.Config.GetConfig("akka.cluster.singleton"));
                var entityProps = CustomerEntity.Props(dependencies);
                var region = ClusterSharding.Get(system).Start(
                    TypeName,
                    _ => entityProps,
                    settings,
                    new PartitionAlignedMessageExtractor(partitionCount),
                    new ExternalShardAllocationStrategy(system, TypeName),
                    StopCustomer.Instance);
                registry.Register<CustomerRegion>(region);
            });

    /// <summary>
    /// Records this node as where the customer shards of <paramref name="partitions"/> belong, because it now
    /// consumes them: the coordinator moves those shards here at its next rebalance, so a partition's mentions
    /// are applied on the node that read them. Called with every new assignment of the consumer.
    /// </summary>
    public static Task PlaceShardsHereAsync(ActorSystem system, IEnumerable<int> partitions)
    {
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var locations = partitions.ToImmutableDictionary(PartitionAlignedMessageExtractor.ShardIdOf, _ => self);
        return ExternalShardAllocation.Get(system).ClientFor(TypeName).UpdateShardLocations(locations);
    }
}
