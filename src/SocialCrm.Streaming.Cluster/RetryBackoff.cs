namespace SocialCrm.Streaming.Cluster;

/// <summary>How entities wait before retrying a store or broker call: exponential from 50 ms, capped, so an outage is retried quickly at first, then calmly.</summary>
public static class RetryBackoff
{
    public static TimeSpan After(int attempt, TimeSpan max) =>
        TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(attempt - 1, 16))));
}
