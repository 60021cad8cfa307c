namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// How the node's managed heap grows with its customers, from the scale phase's smallest count to its largest: what each
/// entity added costs (the slope) and the part that does not grow with them (the line's value at no entity). A figure
/// per count divides that fixed part among the entities too, which at a small count swings it by kilobytes from run to
/// run; the slope does not. Sizing a node: <see cref="FixedBytes"/> plus <see cref="BytesPerEntity"/> per customer.
/// </summary>
public sealed record HeapGrowth(double BytesPerEntity, double FixedBytes, int FromCustomers, int ToCustomers)
{
    /// <summary>Null unless the phase measured two counts with different numbers of entities alive.</summary>
    public static HeapGrowth? Of(IReadOnlyList<ScaleResult> scale)
    {
        var smallest = scale.MinBy(s => s.ActiveEntities);
        var largest = scale.MaxBy(s => s.ActiveEntities);
        if (smallest is null || largest is null || largest.ActiveEntities == smallest.ActiveEntities)
        {
            return null;
        }
        var perEntity = (double)(largest.HeapDeltaBytes - smallest.HeapDeltaBytes) / (largest.ActiveEntities - smallest.ActiveEntities);
        return new HeapGrowth(perEntity, smallest.HeapDeltaBytes - perEntity * smallest.ActiveEntities, smallest.Customers, largest.Customers);
    }
}
