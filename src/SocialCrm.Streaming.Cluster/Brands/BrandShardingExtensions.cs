using Akka.Actor;
using Akka.Hosting;
using SocialCrm.Streaming.Cluster.Sharding;

namespace SocialCrm.Streaming.Cluster.Brands;

/// <summary>Marker for the brand monitor shard region in the actor registry.</summary>
public sealed class BrandRegion;

public static class BrandShardingExtensions
{
    public const string TypeName = "brand";

    /// <summary>
    /// One monitor per brand, in shards that follow the mention partitions like customers' do
    /// (<see cref="PartitionAlignedSharding"/>): a monitor moves only when its partition does, and after a node is
    /// lost it comes back where its partition is consumed. An idle monitor is passivated like a customer: its detector
    /// state is saved after every report, a report is answered only once saved (and sent again until answered), so a
    /// monitor started again loads where it stopped, and the monitors alive stay those of brands with traffic.
    /// </summary>
    public static AkkaConfigurationBuilder AddBrandMonitorShardRegion(
        this AkkaConfigurationBuilder builder, int shardCount, TimeSpan passivateIdleAfter, BrandMonitorDependencies dependencies) =>
        builder.WithPartitionAlignedRegion<BrandRegion>(
            TypeName, brand => BrandMonitorEntity.Props(brand, dependencies), shardCount, passivateIdleAfter, PoisonPill.Instance);
}
