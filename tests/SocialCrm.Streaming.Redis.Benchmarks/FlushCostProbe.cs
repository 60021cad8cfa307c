using System.Diagnostics;
using System.Globalization;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Redis.Benchmarks;

/// <summary>
/// The server's cost of customer flushes as the processor writes them: each customer of four brands is written once
/// whole (not measured), then <c>flushes</c> changes of about one mention each are written and measured from the
/// server's own counters (INFO cpu, INFO commandstats, which count the commands scripts run).
/// </summary>
internal static class FlushCostProbe
{
    private const int Brands = 4;
    private const int Partitions = 12;
    private static readonly string[] Classes = ["negative", "neutral", "positive"];

    /// <param name="serverName">"redis" (a child process: its CPU is its own) or "garnet" (in this process: its CPU is this process's, less the client's).</param>
    public static async Task<ProbeResult> RunAsync(string serverName, int flushes, int customers, int inFlight)
    {
        using var server = RedisServers.Start(serverName);
        using var connection = server.Connect();
        var store = new RedisCustomerStore(connection, new RedisStoreOptions { KeyPrefix = "probe" });
        var versions = new long[customers];
        await WriteAllAsync(store, versions, customers, inFlight, customers, whole: true);

        var admin = connection.GetServers()[0];
        var cpuBefore = await RedisCommandStats.CpuAsync(admin);
        var callsBefore = await RedisCommandStats.CallsAsync(admin) ?? new Dictionary<string, long>();
        var timeBefore = await RedisCommandStats.MicrosecondsAsync(admin) ?? new Dictionary<string, long>();
        var processBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await WriteAllAsync(store, versions, customers, inFlight, flushes, whole: false);
        clock.Stop();
        var processAfter = Process.GetCurrentProcess().TotalProcessorTime;
        var callsAfter = await RedisCommandStats.CallsAsync(admin) ?? new Dictionary<string, long>();
        var timeAfter = await RedisCommandStats.MicrosecondsAsync(admin) ?? new Dictionary<string, long>();
        var cpuAfter = await RedisCommandStats.CpuAsync(admin);
        await CheckAsync(store, versions);

        var perCommand = callsAfter.Keys
            .Where(command => command != "info")
            .Select(command => (Command: command, Calls: RedisCommandStats.Delta(callsBefore, callsAfter, command),
                Microseconds: RedisCommandStats.Delta(timeBefore, timeAfter, command)))
            .Where(c => c.Calls > 0)
            .OrderByDescending(c => c.Calls)
            .ToList();
        var scriptTime = TimeSpan.FromMicroseconds(RedisCommandStats.Delta(timeBefore, timeAfter, "evalsha") + RedisCommandStats.Delta(timeBefore, timeAfter, "eval"));
        return new ProbeResult(serverName, inFlight, flushes, customers, (cpuAfter - cpuBefore) / flushes, scriptTime / flushes,
            (processAfter - processBefore) / flushes, clock.Elapsed, perCommand);
    }

    /// <summary>A cost is only worth reporting for flushes written right: the last customer loads back as its last flush left it.</summary>
    private static async Task CheckAsync(RedisCustomerStore store, long[] versions)
    {
        var last = versions.Length - 1;
        var loaded = await store.LoadAsync(Flush(last, versions[last], whole: false).Id, default)
            ?? throw new InvalidOperationException("the last customer is not stored");
        var mentions = loaded.Fields.FirstOrDefault(f => f.Key == "mentions").Value;
        if (loaded.Version != versions[last] || mentions != versions[last].ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"the last customer loads as version {loaded.Version} with {mentions} mentions, not {versions[last]}");
        }
    }

    /// <summary><paramref name="count"/> flushes, <paramref name="inFlight"/> at a time: each writer owns every inFlight-th customer, so a customer's versions stay in order.</summary>
    private static Task WriteAllAsync(RedisCustomerStore store, long[] versions, int customers, int inFlight, int count, bool whole) =>
        Task.WhenAll(Enumerable.Range(0, inFlight).Select(async writer =>
        {
            var owned = Enumerable.Range(0, customers).Where(c => c % inFlight == writer).ToArray();
            for (var i = writer; i < count; i += inFlight)
            {
                var customer = owned[i / inFlight % owned.Length];
                var version = ++versions[customer];
                if (!await store.WriteAsync(Flush(customer, version, whole)).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"flush {version} of customer {customer} was not applied");
                }
            }
        }));

    /// <summary>
    /// A flush like the processor's after one mention: the fields it changes, the partition's watermark, a volume count,
    /// a timeline entry; the risk score of one customer in five changes on every fourth flush, and one in ten is an
    /// advocate (its score is written with each flush). The first flush of a customer is its whole snapshot.
    /// </summary>
    private static CustomerWrite Flush(int customer, long version, bool whole)
    {
        var id = EntityId.ForCustomer("brand" + (customer % Brands).ToString(CultureInfo.InvariantCulture), "c" + customer.ToString(CultureInfo.InvariantCulture));
        var atRisk = customer % 5 == 0;
        var advocate = customer % 10 == 1;
        double? risk = whole ? (atRisk ? 0.4 : 0) : atRisk && version % 4 == 0 ? 0.4 + version % 10 / 100.0 : null;
        double? advocacy = whole || advocate ? (advocate ? 0.7 : 0) : null;
        var minute = "2026120110" + (version % 60).ToString("00", CultureInfo.InvariantCulture);
        SnapshotField[] changed =
        [
            new("mentions", version),
            new("score", (10 + version).ToString(CultureInfo.InvariantCulture)),
            new("sentiment", Classes[version % 3]),
            new("lastMentionAt", $"2026-12-01T10:{version % 60:00}:00Z"),
            new("updatedAt", $"2026-12-01T10:{version % 60:00}:01Z"),
            new("wm:" + (customer % Partitions).ToString(CultureInfo.InvariantCulture), 1_000 + version),
        ];
        SnapshotField[] fields = whole ? [.. changed, new("stage", "active"), new("level", "engaged"), new("x:clv", 120)] : changed;
        return new CustomerWrite(id, version, fields, risk, advocacy, [new VolumeIncrement(minute, Classes[version % 3], 1)], [])
        {
            BaseVersion = whole ? null : version - 1,
            Fence = new WriteFence(customer % Partitions, 1),
            Timeline = [System.Text.Encoding.UTF8.GetBytes($"{{\"id\":\"m{customer}-{version}\",\"platform\":\"x\",\"createdAt\":\"2026-12-01T10:00:00Z\",\"kind\":\"mention\",\"sentiment\":\"negative\",\"excerpt\":\"the app keeps crashing since the last update, please fix\"}}")],
        };
    }
}

/// <summary>
/// One probe run: the server's CPU (all of it, and the scripts' own time) and commands per flush, where the server reports
/// them (redis-server does, Garnet not); and this process's CPU per flush (the client's, and Garnet's when it runs here).
/// </summary>
internal sealed record ProbeResult(string Server, int InFlight, int Flushes, int Customers, TimeSpan? CpuPerFlush, TimeSpan ScriptTimePerFlush,
    TimeSpan ProcessCpuPerFlush, TimeSpan Elapsed, IReadOnlyList<(string Command, long Calls, long Microseconds)> Commands)
{
    public override string ToString()
    {
        var total = Commands.Sum(c => c.Calls);
        var detail = string.Join(", ", Commands.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Command} {c.Calls / (double)Flushes:0.00} x {c.Microseconds / (double)c.Calls:0.0} µs")));
        var inv = CultureInfo.InvariantCulture;
        return string.Create(inv, $"{Server}, {InFlight,2} in flight: {Flushes:N0} flushes of {Customers:N0} customers, ") +
            (CpuPerFlush is { } cpu ? string.Create(inv, $"server CPU {cpu.TotalMicroseconds:0.0} µs per flush (script time {ScriptTimePerFlush.TotalMicroseconds:0.0} µs), ") : "") +
            string.Create(inv, $"probe process CPU {ProcessCpuPerFlush.TotalMicroseconds:0.0} µs per flush, ") +
            (total > 0 ? string.Create(inv, $"{total / (double)Flushes:0.00} commands per flush ({detail}), ") : "") +
            string.Create(inv, $"{Flushes / Elapsed.TotalSeconds:N0} flushes/s");
    }
}
