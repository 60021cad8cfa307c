using System.Diagnostics;
using Akka.Actor;
using SocialCrm.Streaming.Cluster.Brands;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Delivers this node's brand counts to the brand monitors, each report once. Reports are numbered and asked,
/// and kept until their monitor answers that they are written. One not answered in time (the monitor's node
/// crashed, or its shard was moving, and the message was lost) is sent again with the same number; the monitor
/// applies a node's number once. One report per brand is in flight: what is counted meanwhile stays in the
/// aggregator and goes in that brand's next report, so a monitor away for long gets one merged report, not a flood.
/// </summary>
public sealed class BrandReporter(BrandVolumeAggregator volume, IActorRef monitors, string node, TimeSpan answerTimeout, PipelineStats stats)
{
    private static readonly TimeSpan FlushPollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SentReport> _inFlight = new(StringComparer.Ordinal);
    private long _lastSequence;

    /// <summary>Frees the answered reports, sends again those unanswered in time, and sends what was counted since.</summary>
    public void Report()
    {
        lock (_gate)
        {
            foreach (var (brand, sent) in _inFlight.ToList())
            {
                if (sent.Answer.IsCompletedSuccessfully)
                {
                    _inFlight.Remove(brand);
                }
                else if (sent.Answer.IsCompleted)
                {
                    _ = sent.Answer.Exception; // observed: a timed-out ask is expected here, not an unobserved task fault
                    stats.CountBrandReportResent();
                    _inFlight[brand] = Send(sent.Report);
                }
            }
            foreach (var report in volume.Drain(node, _inFlight.ContainsKey, () => ++_lastSequence))
            {
                _inFlight[report.EntityId] = Send(report);
            }
        }
    }

    /// <summary>Before stopping: reports until every count is answered, or <paramref name="limit"/> passes. False if some were not.</summary>
    public async Task<bool> FlushAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Report();
            lock (_gate)
            {
                if (_inFlight.Count == 0 && volume.IsEmpty)
                {
                    return true;
                }
            }
            if (clock.Elapsed >= limit)
            {
                return false;
            }
            await Task.Delay(FlushPollInterval).ConfigureAwait(false);
        }
    }

    private SentReport Send(ObserveBrandCounts report) => new(report, monitors.Ask<BrandCountsObserved>(report, answerTimeout));

    private sealed record SentReport(ObserveBrandCounts Report, Task<BrandCountsObserved> Answer);
}
