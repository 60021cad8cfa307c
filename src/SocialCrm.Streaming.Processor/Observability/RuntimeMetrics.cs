using Prometheus;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>
/// The .NET runtime's health on a node's own registry: prometheus-net's process and GC collectors
/// (process_cpu_seconds_total, process_working_set_bytes, dotnet_collection_count_total, dotnet_total_memory_bytes, …)
/// plus thread pool, GC pause, heap size and allocation figures, read just before each scrape.
/// The values are the process's: nodes sharing a test process report the same numbers, each in its own registry.
/// </summary>
public static class RuntimeMetrics
{
    /// <summary>Adds the runtime collectors to <paramref name="registry"/>; call once per registry (ProcessorMetrics does, on the registry it creates).</summary>
    public static void Register(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        DotNetStats.Register(registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var threads = factory.CreateGauge("dotnet_threadpool_threads",
            "Thread pool threads that currently exist.");
        var queued = factory.CreateGauge("dotnet_threadpool_queued_items",
            "Work items queued to the thread pool and not yet started: a growing queue means the pool is starved.");
        var completed = factory.CreateCounter("dotnet_threadpool_completed_items_total",
            "Work items the thread pool has completed since the process started.");
        var pause = factory.CreateCounter("dotnet_gc_pause_seconds_total",
            "Seconds the garbage collector has paused the process since it started.");
        var heap = factory.CreateGauge("dotnet_gc_heap_size_bytes",
            "Bytes of the managed heap after the last garbage collection, fragmentation included.");
        var allocated = factory.CreateCounter("dotnet_gc_allocated_bytes_total",
            "Bytes allocated on the managed heap since the process started.");
        registry.AddBeforeCollectCallback(() =>
        {
            threads.Set(ThreadPool.ThreadCount);
            queued.Set(ThreadPool.PendingWorkItemCount);
            completed.IncTo(ThreadPool.CompletedWorkItemCount);
            pause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
            heap.Set(GC.GetGCMemoryInfo().HeapSizeBytes);
            allocated.IncTo(GC.GetTotalAllocatedBytes());
        });
    }
}
