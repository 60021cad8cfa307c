using System.Text.Json;
using System.Threading;
using CsCheck;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Rules;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Fuzz.Tests;

/// <summary>Any event times, in any order, through the brand monitor's two feeds: no exception, bounded state, a faithful saved state.</summary>
[Trait("Category", "Fuzz")]
public sealed class EventTimeFuzzTests(ITestOutputHelper output)
{
    private static readonly long FirstMinute = BrandMonitor.MinuteOf(EventTime.Earliest);
    private static readonly long LastMinute = BrandMonitor.MinuteOf(EventTime.Latest) - 1;

    private static readonly Gen<long> Minute = Gen.Frequency(
        (4, Gen.Long[0, 600].Select(m => BrandMonitor.MinuteOf(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero)) + m)),
        (1, Gen.Long[FirstMinute, LastMinute]),
        (1, Gen.OneOf(Gen.Const(FirstMinute), Gen.Const(LastMinute))));

    /// <summary>A count of a brand's minute: per mention (negative, neutral or positive), or pre-aggregated with a watermark.</summary>
    private static readonly Gen<(string Brand, long Minute, int Class, bool Batch, long Watermark)> Observation =
        Gen.Select(Gen.OneOf(Gen.Const("acme"), Gen.Const("globex")), Minute, Gen.Int[0, 2], Gen.Bool, Minute);

    [Fact]
    public void Brand_monitor_survives_any_event_times()
    {
        long tried = 0;
        var rules = new RulesOptions();
        Observation.List[1, 300].Sample(observations =>
            {
                Interlocked.Increment(ref tried);
                var monitor = new BrandMonitor(rules);
                var signals = new List<DomainSignal>();
                foreach (var (brand, minute, sentiment, batch, watermark) in observations)
                {
                    var counts = new BrandMinuteCounts(brand, minute, sentiment == 0 ? 25 : 0, sentiment == 1 ? 5 : 0, sentiment == 2 ? 5 : 0)
                    {
                        Samples = [new Evidence("m", "x", "text")],
                        LatestEventTime = BrandMonitor.StartOf(minute),
                    };
                    if (batch)
                    {
                        monitor.Observe([counts], watermark, signals);
                    }
                    else
                    {
                        monitor.Observe(counts, signals);
                    }
                }
                var saved = monitor.ExportState();
                using (var state = JsonDocument.Parse(saved))
                {
                    foreach (var brand in state.RootElement.GetProperty("brands").EnumerateArray())
                    {
                        Assert.InRange(brand.GetProperty("open").GetArrayLength(), 0, BrandMonitor.MaxOpenBuckets);
                    }
                }
                var restored = new BrandMonitor(rules);
                restored.ImportState(saved);
                Assert.Equal(saved, restored.ExportState());
                monitor.Flush(signals);
                foreach (var signal in signals)
                {
                    Assert.NotEmpty(signal.ToJson());
                }
            },
            writeLine: output.WriteLine, seed: FuzzBudget.Seed, time: FuzzBudget.Seconds, threads: 1);
        output.WriteLine($"inputs tried: {tried}");
    }
}
