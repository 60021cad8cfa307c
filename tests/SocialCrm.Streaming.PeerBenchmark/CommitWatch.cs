using System.Diagnostics;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.PeerBenchmark;

/// <summary>Throughput measured the same way for both contenders: records committed by the group per second.</summary>
public sealed record PeerFigure(string Name, long Records, double Seconds)
{
    public double PerSecond => Records / Seconds;
}

/// <summary>
/// Watches a consumer group's committed offsets on the mentions topic: the clock starts at the first commit seen
/// (start-up, group join and state restore are not counted) and stops when the group has committed the log end;
/// the records counted are those committed in between.
/// </summary>
public static class CommitWatch
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<PeerFigure> MeasureAsync(string name, MockKafkaFixture kafka, string group, string topic, int partitions, TimeSpan timeout,
        Func<string?> failure)
    {
        var logEnd = kafka.GetHighWatermarks(topic, partitions).Values.Sum();
        var deadline = Stopwatch.StartNew();
        Stopwatch? clock = null;
        long atStart = 0;
        while (true)
        {
            if (failure() is { } reason)
            {
                throw new InvalidOperationException($"{name} failed: {reason}");
            }
            var committed = kafka.GetCommittedOffsets(group, topic, partitions).Values.Sum(o => o ?? 0);
            if (clock is null && committed > 0)
            {
                clock = Stopwatch.StartNew();
                atStart = committed;
            }
            if (committed >= logEnd && clock is not null)
            {
                if (atStart >= logEnd)
                {
                    throw new InvalidOperationException($"{name} committed everything before a first partial commit was seen: raise --mentions");
                }
                return new PeerFigure(name, logEnd - atStart, clock.Elapsed.TotalSeconds);
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{name} committed {committed:N0} of {logEnd:N0} records within {timeout}");
            }
            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }
}
