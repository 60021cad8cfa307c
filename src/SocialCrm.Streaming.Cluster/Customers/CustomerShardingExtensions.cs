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
    /// One entity per customer, in shards that follow the mention partitions (<see cref="PartitionAlignedSharding"/>);
    /// idle entities passivated, each with the compact mailbox.
    /// </summary>
    public static AkkaConfigurationBuilder AddCustomerShardRegion(
        this AkkaConfigurationBuilder builder,
        int partitionCount,
        CustomerEntityDependencies dependencies,
        TimeSpan passivateIdleAfter)
    {
        var entityProps = CustomerEntity.Props(dependencies);
        return builder
            .AddHocon(CompactDequeMailbox.Hocon, HoconAddMode.Prepend)
            .WithPartitionAlignedRegion<CustomerRegion>(TypeName, _ => entityProps, partitionCount, passivateIdleAfter, StopCustomer.Instance);
    }
}
