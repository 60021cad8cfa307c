namespace SocialCrm.Streaming.Cluster;

/// <summary>
/// How entities wait before retrying a store or broker call: exponential from 50 ms, capped, so an outage is retried
/// quickly at first, then calmly; each wait is drawn between half and all of that (jitter), so thousands of entities
/// that failed together do not retry together.
/// </summary>
public static class RetryBackoff
{
    public static TimeSpan After(int attempt, TimeSpan max)
    {
        var ceiling = Math.Min(max.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(attempt - 1, 16)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + 0.5 * Random.Shared.NextDouble()));
    }
}
