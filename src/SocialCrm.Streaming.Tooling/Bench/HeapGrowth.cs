namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// How the node's managed heap grows with its customers, from the scale phase's smallest count to its largest: what each
/// entity added costs (the slope) and the part that does not grow with them (the line's value at no entity). A figure
/// per count divides that fixed part among the entities too, which at a small count swings it by kilobytes from run to
/// run; the slope does not. Sizing a node: <see cref="FixedBytes"/> plus <see cref="BytesPerEntity"/> per customer.
/// </summary>
public sealed record HeapGrowth(double BytesPerEntity, double FixedBytes, int FromCustomers, int ToCustomers)
{
    /// <summary>
    /// How far apart in entities alive the two counts must be: a count's heap reading differs from run to run by up to
    /// about 22 MB (the 10,000 count's figure was 2,001 B per entity in one full run and 4,169 B in the next), which over
    /// this many entities moves the slope by at most a quarter of the target. Closer counts gave nonsense: 10,000 and
    /// 10,004 customers, -1,477,602 B per entity added.
    /// </summary>
    public static readonly long MinimumEntitySpread = (long)Math.Ceiling(22_000_000 / (BenchTargets.MaximumHeapBytesPerEntity / 4));

    /// <summary>Null unless the phase measured two counts at least <see cref="MinimumEntitySpread"/> entities apart.</summary>
    public static HeapGrowth? Of(IReadOnlyList<ScaleResult> scale)
    {
        var smallest = scale.MinBy(s => s.ActiveEntities);
        var largest = scale.MaxBy(s => s.ActiveEntities);
        if (smallest is null || largest is null || largest.ActiveEntities - smallest.ActiveEntities < MinimumEntitySpread)
        {
            return null;
        }
        var perEntity = (double)(largest.HeapDeltaBytes - smallest.HeapDeltaBytes) / (largest.ActiveEntities - smallest.ActiveEntities);
        return new HeapGrowth(perEntity, smallest.HeapDeltaBytes - perEntity * smallest.ActiveEntities, smallest.Customers, largest.Customers);
    }
}
