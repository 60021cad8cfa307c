using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Detection;

namespace SocialCrm.Streaming.Cluster.Brands;

/// <summary>
/// One node's mention counts of one brand since its last report, by minute, with the node's low watermark:
/// brand monitors are fed pre-aggregated counts, never one message per mention, so a busy brand is not one
/// hot actor. <see cref="Node"/> names the reporting node: a monitor advances to the lowest watermark of the
/// nodes feeding it, so one node racing ahead cannot close a minute another is still counting.
/// <see cref="Sequence"/> numbers the node's reports (rising, per node incarnation): a report sent again because
/// its answer did not come is applied once.
/// </summary>
public sealed record ObserveBrandCounts(string EntityId, IReadOnlyList<BrandMinuteCounts> Minutes, long Watermark, string Node, long Sequence) : IWithEntityId, IClusterMessage;

/// <summary>The answer to <see cref="ObserveBrandCounts"/>: the report is applied and, with what it detected, written.</summary>
public sealed record BrandCountsObserved(string Brand) : IClusterMessage;
