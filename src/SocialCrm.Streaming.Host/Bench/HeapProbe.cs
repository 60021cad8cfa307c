using System.Runtime;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>This process's memory at one moment: live managed objects and the whole working set.</summary>
public sealed record MemoryReading(long ManagedHeapBytes, long WorkingSetBytes);

public static class HeapProbe
{
    /// <summary>
    /// The managed heap after forced, blocking, compacting full collections (large objects too), with
    /// finalizers run in between: what is still reachable, without garbage or fragmentation.
    /// </summary>
    public static MemoryReading AfterFullCollection()
    {
        for (var pass = 0; pass < 2; pass++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return new MemoryReading(GC.GetTotalMemory(forceFullCollection: false), Environment.WorkingSet);
    }
}
