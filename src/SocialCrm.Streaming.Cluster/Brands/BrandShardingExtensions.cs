using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using SocialCrm.Streaming.Cluster.Sharding;

namespace SocialCrm.Streaming.Cluster.Brands;

/// <summary>Marker for the brand monitor shard region in the actor registry.</summary>
public sealed class BrandRegion;

public static class BrandShardingExtensions
{
    public const string TypeName = "brand";

    /// <summary>One monitor per brand, spread over the cluster's shards like customers are.</summary>
    public static AkkaConfigurationBuilder AddBrandMonitorShardRegion(this AkkaConfigurationBuilder builder, int shardCount, BrandMonitorDependencies dependencies) =>
        builder.WithShardRegion<BrandRegion>(
            TypeName,
            brand => BrandMonitorEntity.Props(brand, dependencies),
            new PartitionAlignedMessageExtractor(shardCount),
            new ShardOptions
            {
                StateStoreMode = StateStoreMode.DData,
                RememberEntities = false,
                ShouldPassivateIdleEntities = false,
            });
}
