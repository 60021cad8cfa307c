using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.CareConsole.Views;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Live;

/// <summary>
/// Server-Sent Events for one open console: <c>signal</c> events (an alert or trigger JSON) from the
/// processor's <c>scrm:{brand}:alerts:live</c> channels and <c>case</c> events (a case event JSON) from the
/// console's <c>scrm:{brand}:cases:live</c>. Each event's id is its time in Unix ms; a client that
/// reconnects with Last-Event-ID (or <c>?since=</c>) first gets what it missed, read from the lists and the
/// case index (a little earlier than asked, since ids from two clocks interleave: the page drops repeats).
/// </summary>
/// <remarks>Streams end when the console stops, so a stop does not wait for open pages.</remarks>
public sealed class LiveStream(IConnectionMultiplexer connection, SignalReader signals, CaseStore cases, IHostApplicationLifetime lifetime)
{
    private static readonly TimeSpan CatchUpOverlap = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private sealed record LiveEvent(string Name, long Id, string Data);

    /// <summary>Whether a client's last seen event id, less the overlap, is a time the calendar holds.</summary>
    public static bool CanCatchUpFrom(long lastSeen) =>
        lastSeen >= (DateTimeOffset.MinValue + CatchUpOverlap).ToUnixTimeMilliseconds() && lastSeen <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public async Task RunAsync(HttpContext context, IReadOnlyList<string> brands, long? since)
    {
        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var abort = ended.Token;
        var events = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        var subscriber = connection.GetSubscriber();
        var queues = new List<ChannelMessageQueue>();
        try
        {
            // Subscribe before catching up, so nothing falls between the two.
            foreach (var brand in brands)
            {
                var signalQueue = await subscriber.SubscribeAsync(RedisChannel.Literal(signals.Keys.LiveChannel(brand))).ConfigureAwait(false);
                signalQueue.OnMessage(message =>
                {
                    if (ToSignalEvent(message.Message) is { } e)
                    {
                        events.Writer.TryWrite(e);
                    }
                });
                var caseQueue = await subscriber.SubscribeAsync(RedisChannel.Literal(cases.Keys.LiveChannel(brand))).ConfigureAwait(false);
                caseQueue.OnMessage(message => { events.Writer.TryWrite(ToCaseEvent(message.Message!)); });
                queues.AddRange([signalQueue, caseQueue]);
            }
            await WriteAsync(response, ": connected\n\n", abort).ConfigureAwait(false);
            if (since is { } lastSeen)
            {
                foreach (var missed in await CatchUpAsync(brands, DateTimeOffset.FromUnixTimeMilliseconds(lastSeen) - CatchUpOverlap).ConfigureAwait(false))
                {
                    await SendAsync(response, missed, abort).ConfigureAwait(false);
                }
            }
            await WriteAsync(response, "event: ready\ndata: {}\n\n", abort).ConfigureAwait(false);
            while (!abort.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(abort);
                wait.CancelAfter(Heartbeat);
                try
                {
                    var next = await events.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    await SendAsync(response, next, abort).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!abort.IsCancellationRequested)
                {
                    await WriteAsync(response, ": heartbeat\n\n", abort).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // The page went away.
        }
        finally
        {
            foreach (var queue in queues)
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<List<LiveEvent>> CatchUpAsync(IReadOnlyList<string> brands, DateTimeOffset from)
    {
        var missed = new List<LiveEvent>();
        foreach (var brand in brands)
        {
            missed.AddRange((await signals.ReadAsync(brand).ConfigureAwait(false))
                .Where(s => s.DetectedAt >= from)
                .Select(s => new LiveEvent("signal", s.DetectedAt.ToUnixTimeMilliseconds(), s.Json)));
            var changed = await cases.ChangedSinceAsync(brand, from).ConfigureAwait(false);
            foreach (var (_, trail) in await cases.AuditsAsync(brand, [.. changed]).ConfigureAwait(false))
            {
                missed.AddRange(trail.Where(e => e.At >= from).Select(e => new LiveEvent("case", e.At.ToUnixTimeMilliseconds(), CaseJson.Serialize(e))));
            }
        }
        return [.. missed.OrderBy(e => e.Id)];
    }

    private static LiveEvent? ToSignalEvent(RedisValue message) =>
        SignalSummary.TryParse(message!) is { } signal ? new LiveEvent("signal", signal.DetectedAt.ToUnixTimeMilliseconds(), signal.Json) : null;

    private static LiveEvent ToCaseEvent(string json) => new("case", CaseJson.Parse(json).At.ToUnixTimeMilliseconds(), json);

    private static Task SendAsync(HttpResponse response, LiveEvent e, CancellationToken abort) =>
        WriteAsync(response, $"event: {e.Name}\nid: {e.Id.ToString(CultureInfo.InvariantCulture)}\ndata: {e.Data}\n\n", abort);

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken abort)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), abort).ConfigureAwait(false);
        await response.Body.FlushAsync(abort).ConfigureAwait(false);
    }
}
