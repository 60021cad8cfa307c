using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Host.Generation;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// The scale phase of <c>socialcrm bench</c>, per customer count: one node with idle passivation off, every customer
/// activated by one mention (the activation rate), then as many mentions as the main phase, Zipf over the same
/// customers (the steady rate); heap per entity and the working set, with the embedded broker's share, at the end.
/// </summary>
public static class ScalePhase
{
    public const string HeapMethod =
        "managed heap of this process (the node; Redis runs in another process) after forced compacting full collections, " +
        "at the end of the phase minus the same reading of the idle node before its first mention, divided by the customer " +
        "entities alive then (socialcrm_active_entities); working set: the whole process's, the embedded Kafka included";

    public const string BrokerMethod =
        "the embedded Kafka runs in this process; its share of the working set is what the process grew by when the mock " +
        "cluster started with its topics (librdkafka already loaded, as the node loads it too), plus the C heap bytes in use " +
        "(glibc mallinfo2; the working set where it is missing) that deleting every record of every topic freed at the end " +
        "of the phase (readings after forced full collections and malloc_trim); the broker's connection buffers are not " +
        "told apart and count as the node's";

    /// <summary>Mentions per produce-then-process round: well within what the mock cluster keeps (5 MiB per partition, compressed).</summary>
    private const long RoundSize = 100_000;

    /// <summary>
    /// Idle passivation is off in the scale phase (an hour is longer than any run), so every customer activated stays
    /// active; the shards still keep each entity's last message time.
    /// </summary>
    public static readonly TimeSpan PassivateIdleAfter = TimeSpan.FromHours(1);

    public static async Task<ScaleResult> MeasureAsync(
        BenchSettings settings, int customers, BenchKafka kafka, BenchRedis redis, GcPauses gcPauses, string keyPrefix, CancellationToken cancellationToken)
    {
        var topics = kafka.TopicsFor($"scale{customers}");
        // Customers only (a prospect would be one more entity) and no scripted crisis (it moves mentions to the first brand).
        var eachInTurn = BenchCommand.Workload(customers, settings.ZipfExponent, newAuthorShare: 0, CustomerChoice.EachInTurn);
        eachInTurn.CrisisAt = null;
        var activation = new MentionGenerator(eachInTurn);
        var all = eachInTurn.Brands.Count * eachInTurn.CustomersPerBrand;
        var steady = new MentionGenerator(BenchCommand.Continuing(eachInTurn, all, eachInTurn.Seed, CustomerChoice.Zipf));
        await using var node = await BenchNode.StartAsync(kafka, redis, topics, keyPrefix, PassivateIdleAfter, cancellationToken).ConfigureAwait(false);
        var idle = HeapProbe.AfterFullCollection();
        // After the idle reading's forced collections and before the loaded one's: only the pauses the load caused.
        var fedFrom = DateTime.UtcNow;
        Console.WriteLine($"Scale {all:N0} customers: activating each...");
        var activated = await FeedWithProgressAsync(node, kafka, redis, $"bench: scale {all:N0}, activating", activation.Next, all, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"Scale {all:N0} customers: {settings.Mentions:N0} mentions Zipf over them...");
        var steadyRun = await FeedWithProgressAsync(node, kafka, redis, $"bench: scale {all:N0}, steady", steady.Next, settings.Mentions, cancellationToken).ConfigureAwait(false);
        kafka.DropConsumed(topics);
        var longestGcPause = gcPauses.LongestBetween(fedFrom, DateTime.UtcNow);
        var loaded = HeapProbe.AfterFullCollection();
        var entities = node.ActiveCustomerEntities;
        var broker = kafka.IdleWorkingSetBytes + kafka.RecordsBytes(loaded);
        // The generators were there at the idle reading too; they must not leave between the readings.
        GC.KeepAlive(activation);
        GC.KeepAlive(steady);
        await node.StopAsync(kafka).ConfigureAwait(false);
        var delta = loaded.ManagedHeapBytes - idle.ManagedHeapBytes;
        return new ScaleResult(all, entities, activated, steadyRun,
            delta, entities > 0 ? (double)delta / entities : 0, loaded.ManagedHeapBytes, loaded.WorkingSetBytes, broker,
            longestGcPause.Milliseconds, longestGcPause.Generation);
    }

    /// <summary>One fed stretch of the scale phase, with its progress on standard error (the 1M phase runs for minutes).</summary>
    private static async Task<ThroughputFigure> FeedWithProgressAsync(
        BenchNode node, BenchKafka kafka, BenchRedis redis, string label, Func<GeneratedRecord> next, long count, CancellationToken cancellationToken)
    {
        var cost = new CostMeter(redis);
        var doneBefore = node.Done;
        await using (new ProgressReport(label, "mentions", () => node.Done - doneBefore))
        {
            return ThroughputFigure.Of(await node.FeedAsync(kafka, next, count, RoundSize, cost, cancellationToken).ConfigureAwait(false), cost);
        }
    }
}
