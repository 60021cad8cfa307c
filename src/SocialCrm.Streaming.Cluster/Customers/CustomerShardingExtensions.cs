using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using SocialCrm.Streaming.Cluster.Sharding;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>Marker for the customer shard region in the actor registry.</summary>
public sealed class CustomerRegion;

public static class CustomerShardingExtensions
{
    public const string TypeName = "customer";

    /// <summary>
    /// One entity per customer, sharded by Kafka partition (<see cref="PartitionAlignedMessageExtractor"/>),
    /// coordinator state in ddata, no remember-entities (state lives in Redis), idle entities passivated.
    /// </summary>
    public static AkkaConfigurationBuilder AddCustomerShardRegion(
        this AkkaConfigurationBuilder builder,
        int partitionCount,
        CustomerEntityDependencies dependencies,
        TimeSpan passivateIdleAfter) =>
        builder.WithShardRegion<CustomerRegion>(
            TypeName,
            entityId => CustomerEntity.Props(entityId, dependencies),
            new PartitionAlignedMessageExtractor(partitionCount),
            new ShardOptions
            {
                StateStoreMode = StateStoreMode.DData,
                RememberEntities = false,
                PassivateIdleEntityAfter = passivateIdleAfter,
                ShouldPassivateIdleEntities = true,
                HandOffStopMessage = StopCustomer.Instance,
            });
}
