using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Kafka;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>
/// Sends case events to the downstream topic for CRM systems from each brand's outbox in Redis, which a case change
/// fills in the same script as the case: an event made while Kafka is down, or left when the console stops, is sent
/// once Kafka is back, or by the next console to start. One replica at a time relays a brand: it holds the brand's
/// relay lease in Redis meanwhile, and a replica that finds it held tries again a second later. At least once: an
/// event may arrive twice (a console stopped between its delivery and its trim, or a round that outlived its lease);
/// it carries the case's version, by which a consumer knows a repeat. Never blocks a web request: the change only
/// wakes the relay.
/// </summary>
public sealed partial class CaseEventRelay(
    IConnectionMultiplexer connection, CaseStore store, IProducer<string, string> producer, string topic, ILogger<CaseEventRelay> log)
    : BackgroundService
{
    private const int BatchSize = 100;

    /// <summary>How often outboxes are looked for by name: what an earlier run or another replica left.</summary>
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(30);

    /// <summary>How long a brand whose events could not be sent, or that another replica relays, waits before the next attempt.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a replica may relay a brand before another may take over: past a round's longest wait (a batch's sends,
    /// each given up after the producer's 30 s), so a lease outlives the round, unless the replica died holding it.
    /// </summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(45);

    // The lease is renewed, and let go, only while this replica still holds it (it may have expired and been taken by another).
    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    // Trims the events sent only while the outbox still starts with them: another replica may have sent and trimmed them.
    private const string TrimScript = """
        if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then
          redis.call('LTRIM', KEYS[1], ARGV[2], -1)
          return 1
        end
        return 0
        """;

    /// <summary>What this replica's leases hold, told apart from another replica's.</summary>
    private readonly string _replica = Guid.NewGuid().ToString("N");

    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The producer of the case events; the Kafka client throws here when it refuses one of the settings.</summary>
    /// <param name="log">Where librdkafka's lines go; none: nowhere (a probe of the settings, disposed at once).</param>
    public static IProducer<string, string> CreateProducer(ConsoleKafkaOptions kafka, KafkaClientLog? log = null)
    {
        var builder = new ProducerBuilder<string, string>(new ProducerConfig(kafka.Properties)
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            // A send that cannot be delivered in this time is given up and tried again from the outbox.
            MessageTimeoutMs = 30_000,
        });
        return builder.SetErrorHandler((_, error) => log?.OnError(error)).SetLogHandler((_, message) => log?.OnLog(message)).Build();
    }

    /// <summary>A case of <paramref name="brand"/> changed: its outbox has an event to send.</summary>
    public void Changed(string brand) => _changed.Writer.TryWrite(brand);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new HashSet<string>(StringComparer.Ordinal);
        var nextSweep = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (DateTime.UtcNow >= nextSweep)
            {
                pending.UnionWith(await OutboxBrandsAsync().ConfigureAwait(false));
                nextSweep = DateTime.UtcNow + Sweep;
            }
            while (_changed.Reader.TryRead(out var brand))
            {
                pending.Add(brand);
            }
            foreach (var brand in pending.ToList())
            {
                var outcome = await TryRelayAsync(brand, stoppingToken).ConfigureAwait(false);
                if (outcome == RelayOutcome.Failed)
                {
                    // Kafka or Redis is what failed, and every brand needs both: the others wait for the next round too.
                    break;
                }
                if (outcome == RelayOutcome.Sent)
                {
                    pending.Remove(brand);
                }
            }
            await WaitAsync(pending.Count > 0 ? RetryAfter : nextSweep - DateTime.UtcNow, stoppingToken).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        // What was queued and not confirmed stays in the outbox: the next console sends it.
        producer.Dispose();
        base.Dispose();
    }

    private async Task WaitAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        wait.CancelAfter(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
        try
        {
            await _changed.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The wait is over (or the console stops: the loop ends).
        }
    }

    private enum RelayOutcome { Sent, RelayedElsewhere, Failed }

    /// <summary>Sends the brand's outbox, oldest first, a batch at a time, holding the brand's relay lease.</summary>
    private async Task<RelayOutcome> TryRelayAsync(string brand, CancellationToken stoppingToken)
    {
        var key = store.Keys.Outbox(brand);
        var lease = store.Keys.OutboxRelay(brand);
        try
        {
            var db = connection.GetDatabase();
            if (!await db.StringSetAsync(lease, _replica, Lease, When.NotExists).ConfigureAwait(false))
            {
                // A replica's lease always expires: a key without an expiry is another hand's, which would otherwise hold
                // the brand's events back for good. Given one, it lets the brand go in as long as a lease would.
                await db.KeyExpireAsync(lease, Lease, ExpireWhen.HasNoExpiry).ConfigureAwait(false);
                return RelayOutcome.RelayedElsewhere;
            }
            try
            {
                await SendOutboxAsync(brand, key, lease, stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                await db.ScriptEvaluateAsync(ReleaseScript, [lease], [_replica]).ConfigureAwait(false);
            }
            return RelayOutcome.Sent;
        }
        catch (Exception ex) when (ex is KafkaException or RedisException or OperationCanceledException)
        {
            if (!stoppingToken.IsCancellationRequested)
            {
                LogNotSent(log, brand, topic, ex.Message);
            }
            return RelayOutcome.Failed;
        }
    }

    /// <summary>Sends the outbox a batch at a time until it is empty, the lease renewed before each batch.</summary>
    private async Task SendOutboxAsync(string brand, string key, string lease, CancellationToken stoppingToken)
    {
        while (true)
        {
            var db = connection.GetDatabase();
            await db.ScriptEvaluateAsync(RenewScript, [lease], [_replica, (long)Lease.TotalMilliseconds]).ConfigureAwait(false);
            var batch = await db.ListRangeAsync(key, 0, BatchSize - 1).ConfigureAwait(false);
            if (batch.Length == 0)
            {
                return;
            }
            var events = batch.Select(entry => (Json: (string)entry!, Change: store.EventOf(key, entry!))).ToList();
            // A case gone from Redis (its customer erased) takes its unsent events with it: nothing of it goes out after.
            var kept = await Task.WhenAll(events.Select(e => e.Change is { } change
                ? db.KeyExistsAsync(store.Keys.Case(brand, change.Subject.SignalId))
                : Task.FromResult(false))).ConfigureAwait(false);
            var sends = events.Where((_, i) => kept[i])
                .Select(e => producer.ProduceAsync(topic, new Message<string, string> { Key = e.Change!.Subject.SignalId, Value = e.Json }, stoppingToken))
                .ToList();
            await Task.WhenAll(sends).ConfigureAwait(false);
            await db.ScriptEvaluateAsync(TrimScript, [key], [batch[0], batch.Length]).ConfigureAwait(false);
        }
    }

    private async Task<IEnumerable<string>> OutboxBrandsAsync()
    {
        var brands = new List<string>();
        try
        {
            foreach (var server in connection.GetServers().Where(s => !s.IsReplica && s.IsConnected))
            {
                await foreach (var key in server.KeysAsync(pattern: store.Keys.OutboxPattern, pageSize: 1000).ConfigureAwait(false))
                {
                    if (store.Keys.BrandOfOutbox(key!) is { } brand)
                    {
                        brands.Add(brand);
                    }
                }
            }
        }
        catch (RedisException ex)
        {
            LogNotSent(log, "(every brand)", topic, ex.Message);
        }
        return brands;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case events of {Brand} were not sent to {Topic} yet: {Reason}; they wait in Redis and are tried again")]
    private static partial void LogNotSent(ILogger logger, string brand, string topic, string reason);
}
