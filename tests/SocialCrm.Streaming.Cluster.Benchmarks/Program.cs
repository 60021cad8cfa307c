using System.Globalization;
using System.Runtime;
using SocialCrm.Streaming.Cluster.Benchmarks;

// Usage: dotnet run -c Release --project tests/SocialCrm.Streaming.Cluster.Benchmarks -- [counts, default 10000,100000,1000000]
// Activates each count of entities that do nothing, each count in a new actor system, through the processor's sharding
// setup: what one actor per customer costs before the customer's own work (its load, state and write). Compare with the
// scale table of `socialcrm bench`, measured alike (heap after forced compacting collections, minus the idle system's).
var counts = (args.Length > 0 ? args[0] : "10000,100000,1000000")
    .Split(',').Select(count => int.Parse(count, CultureInfo.InvariantCulture)).ToArray();
Console.WriteLine($"Akka sharding floor: empty entities, {Environment.ProcessorCount} processors, {(GCSettings.IsServerGC ? "server" : "workstation")} GC");
Console.WriteLine("Warming up: 20,000 entities in a throw-away actor system...");
await ShardingFloorProbe.MeasureAsync(20_000, CancellationToken.None);
Console.WriteLine($"{"entities",12} {"activation/s",14} {"CPU µs each",12} {"allocated B each",17} {"bytes/entity",13} {"managed heap MB",16} {"working set MB",15}");
foreach (var count in counts)
{
    var result = await ShardingFloorProbe.MeasureAsync(count, CancellationToken.None);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{result.Entities,12:N0} {result.ActivationsPerSecond,14:N0} {result.CpuMicrosecondsPerActivation,12:N1} {result.AllocatedBytesPerActivation,17:N0} {result.HeapBytesPerEntity,13:N0} {result.ManagedHeapBytes / 1048576.0,16:N1} {result.WorkingSetBytes / 1048576.0,15:N1}"));
}
