using System.Runtime;
using System.Runtime.InteropServices;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>This process's memory at one moment: live managed objects and the whole working set.</summary>
public sealed record MemoryReading(long ManagedHeapBytes, long WorkingSetBytes);

public static class HeapProbe
{
    /// <summary>Readings closer than this count as the same: what a settled process still allocates between two of them.</summary>
    private const long SettledWithinBytes = 64 * 1024;

    /// <summary>
    /// The managed heap after forced, blocking, compacting full collections (large objects too), with
    /// finalizers run in between: what is still reachable, without garbage or fragmentation. Repeated until two
    /// readings agree, because what an earlier phase left behind (an actor system still shutting down in the
    /// background) can take a moment to become unreachable; the idle reading must not include it.
    /// </summary>
    public static MemoryReading AfterFullCollection()
    {
        var reading = Collect();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            Thread.Sleep(200);
            var next = Collect();
            if (Math.Abs(next.ManagedHeapBytes - reading.ManagedHeapBytes) < SettledWithinBytes)
            {
                return next;
            }
            reading = next;
        }
        return reading;
    }

    private static MemoryReading Collect()
    {
        for (var pass = 0; pass < 2; pass++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        // The C heap keeps pages freed by the embedded broker (records deleted once consumed) until asked to return
        // them; without this the working set would count memory that nothing in the process uses any more.
        if (OperatingSystem.IsLinux())
        {
            _ = MallocTrim(0);
        }
        return new MemoryReading(GC.GetTotalMemory(forceFullCollection: false), Environment.WorkingSet);
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
