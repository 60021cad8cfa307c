using System.Collections.Concurrent;
using System.Text.Json;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Kafka.Ingest;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Host.Demo;

/// <summary>What a care team and an operator would watch: throughput, backlog, and every alert and trigger as it lands in Redis.</summary>
public sealed class LiveView : IDisposable
{
    private const int TriggersShownPerTick = 5;
    private readonly ConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly ConcurrentQueue<(bool IsAlert, string Priority, string Line)> _signals = new();
    private long _alerts;
    private long _triggers;
    private long _lastProcessed;
    private TimeSpan _lastElapsed;

    private LiveView(ConnectionMultiplexer redis, string prefix)
    {
        _redis = redis;
        _prefix = prefix;
    }

    public static async Task<LiveView> StartAsync(string redisConfiguration, string prefix)
    {
        var view = new LiveView(await ConnectionMultiplexer.ConnectAsync(redisConfiguration).ConfigureAwait(false), prefix);
        var channel = RedisChannel.Pattern($"{prefix}:*:alerts:live");
        await view._redis.GetSubscriber().SubscribeAsync(channel, (_, message) => view.OnSignal(message!)).ConfigureAwait(false);
        return view;
    }

    private void OnSignal(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var isAlert = root.TryGetProperty("type", out var type) && type.GetString() == "crisis";
        Interlocked.Increment(ref isAlert ? ref _alerts : ref _triggers);
        var priority = root.TryGetProperty("priority", out var p) ? p.GetString() : "?";
        var label = isAlert
            ? $"CRISIS {(root.TryGetProperty("kind", out var kind) ? kind.GetString() : "")}"
            : $"TRIGGER {type.GetString()}";
        var text = root.TryGetProperty("summary", out var summary) ? summary.GetString()
            : root.TryGetProperty("suggestedAction", out var action) ? $"{root.GetProperty("entityId").GetString()}: {action.GetString()}"
            : json;
        _signals.Enqueue((isAlert, priority ?? "P4", $"  [{priority}] {label}: {text}"));
    }

    public void Print(TimeSpan elapsed, long produced, PipelineStats stats, KafkaConsumerLoop consumer)
    {
        var processed = stats.Processed;
        var interval = (elapsed - _lastElapsed).TotalSeconds;
        var rate = interval > 0 ? (processed - _lastProcessed) / interval : 0;
        _lastProcessed = processed;
        _lastElapsed = elapsed;
        Console.WriteLine(
            $"{elapsed.TotalSeconds,5:N0}s  produced {produced,9:N0}  processed {processed,9:N0} ({rate,7:N0}/s)  dead-lettered {stats.DeadLettered,6:N0}  "
            + $"committed {consumer.CommittedRecords,9:N0}  in flight {consumer.InFlight,6:N0}  alerts {Interlocked.Read(ref _alerts),4:N0}  triggers {Interlocked.Read(ref _triggers),5:N0}");
        // Every crisis alert, then the most urgent triggers: what a care team must act on first.
        var arrived = new List<(bool IsAlert, string Priority, string Line)>();
        while (_signals.TryDequeue(out var signal))
        {
            arrived.Add(signal);
        }
        var triggers = arrived.Where(s => !s.IsAlert).OrderBy(s => s.Priority, StringComparer.Ordinal).ToList();
        foreach (var (_, _, line) in arrived.Where(s => s.IsAlert).Concat(triggers.Take(TriggersShownPerTick)))
        {
            Console.WriteLine(line);
        }
        if (triggers.Count > TriggersShownPerTick)
        {
            Console.WriteLine($"  ... and {triggers.Count - TriggersShownPerTick:N0} more triggers");
        }
    }

    public async Task PrintSummaryAsync(TimeSpan elapsed, long produced, PipelineStats stats, KafkaConsumerLoop consumer)
    {
        Console.WriteLine();
        Console.WriteLine($"Done in {elapsed.TotalSeconds:N1} s: {produced:N0} mentions produced, {stats.Processed:N0} processed, "
            + $"{stats.DeadLettered:N0} dead-lettered, {consumer.CommittedRecords:N0} committed; "
            + $"average {stats.Processed / Math.Max(elapsed.TotalSeconds, 0.001):N0} mentions/s end to end; max {consumer.MaxInFlight:N0} records in flight.");
        foreach (var (reason, count) in stats.DeadLetteredByReason.OrderBy(r => r.Key))
        {
            Console.WriteLine($"  dead-lettered {count,6:N0} x {reason}");
        }
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        var db = _redis.GetDatabase();
        Console.WriteLine("Redis keys written (key contract: topology/redis-keys.md):");
        foreach (var pattern in new[] { "customer:*", "alerts", "triggers", "risk", "advocates", "volume:*" })
        {
            var keys = server.Keys(pattern: $"{_prefix}:*:{pattern}", pageSize: 1000).Take(100_000).Select(k => k.ToString()).ToList();
            Console.WriteLine($"  {_prefix}:{{brand}}:{pattern,-12} {keys.Count,7:N0} keys{(keys.Count == 0 ? "" : $", e.g. {keys[0]}")}");
        }
        foreach (var customer in server.Keys(pattern: $"{_prefix}:*:customer:*", pageSize: 1000).Take(1))
        {
            var fields = await db.HashGetAllAsync(customer).ConfigureAwait(false);
            Console.WriteLine($"  {customer}: {string.Join(", ", fields.Select(f => $"{f.Name}={f.Value}"))}");
        }
    }

    public void Dispose() => _redis.Dispose();
}
