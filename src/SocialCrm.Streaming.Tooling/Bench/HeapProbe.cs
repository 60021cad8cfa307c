using System.Runtime;
using System.Runtime.InteropServices;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// This process's memory at one moment: live managed objects, the whole working set, and the C heap's bytes in use
/// (glibc's mallinfo2: what native code such as librdkafka holds; null where there is no such count).
/// </summary>
public sealed record MemoryReading(long ManagedHeapBytes, long WorkingSetBytes, long? NativeHeapBytes);

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
        return new MemoryReading(GC.GetTotalMemory(forceFullCollection: false), Environment.WorkingSet, NativeHeapInUse());
    }

    private static bool _hasMallInfo2 = OperatingSystem.IsLinux();

    /// <summary>Bytes the C heap has handed out and not had back, in every arena and in mapped blocks; null without glibc 2.33+.</summary>
    private static long? NativeHeapInUse()
    {
        if (!_hasMallInfo2)
        {
            return null;
        }
        try
        {
            var info = MallInfo2();
            return (long)(info.InUseInArenas + info.InMappedBlocks);
        }
        catch (EntryPointNotFoundException)
        {
            // musl, or a glibc older than 2.33.
            _hasMallInfo2 = false;
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallocInfo MallInfo2();

    /// <summary>glibc's <c>struct mallinfo2</c>, field for field.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallocInfo
    {
        public readonly nuint Arena;
        public readonly nuint FreeChunks;
        public readonly nuint FastBins;
        public readonly nuint MappedBlocks;
        public readonly nuint InMappedBlocks;
        public readonly nuint MaxTotalAllocated;
        public readonly nuint InFastBins;
        public readonly nuint InUseInArenas;
        public readonly nuint FreeInArenas;
        public readonly nuint Releasable;
    }
}
