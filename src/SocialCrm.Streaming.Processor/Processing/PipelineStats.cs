using System.Collections.Concurrent;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>Counters of one node's pipeline, read by the live view, the metrics exporter and tests.</summary>
public sealed class PipelineStats
{
    private long _processed;
    private long _askRetries;
    private long _brandReportsResent;
    private readonly ConcurrentDictionary<RejectReason, long> _deadLettered = new();

    public long Processed => Interlocked.Read(ref _processed);
    public long AskRetries => Interlocked.Read(ref _askRetries);
    public long BrandReportsResent => Interlocked.Read(ref _brandReportsResent);
    public long DeadLettered => _deadLettered.Values.Sum();
    public IReadOnlyDictionary<RejectReason, long> DeadLetteredByReason => _deadLettered;

    public void CountProcessed(int records) => Interlocked.Add(ref _processed, records);
    public void CountAskRetry() => Interlocked.Increment(ref _askRetries);
    public void CountBrandReportResent() => Interlocked.Increment(ref _brandReportsResent);
    public void CountDeadLetter(RejectReason reason) => _deadLettered.AddOrUpdate(reason, 1, (_, n) => n + 1);
}
