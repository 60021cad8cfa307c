using System.Globalization;

namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>
/// Event time is untrusted input. The contract bounds it to an era that any arithmetic on it survives (windows of
/// days or years, minute numbers), and a mention from the future (beyond now plus a skew for clocks) is refused:
/// one such record would otherwise stand for "now" in every window and watermark it reaches. There is no clock
/// here: "now" is the caller's (the wall clock live, the stream's own time in a replay).
/// </summary>
public static class EventTime
{
    /// <summary>The Unix epoch, inclusive: nothing social is older.</summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;

    /// <summary>Exclusive; far enough for any clock, far from <see cref="DateTimeOffset.MaxValue"/>.</summary>
    public static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static bool IsWithinContract(DateTimeOffset createdAt) => createdAt >= Earliest && createdAt < Latest;

    public static string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Earliest:yyyy-MM-dd}T00:00:00Z (inclusive) and {Latest:yyyy-MM-dd}T00:00:00Z (exclusive)");

    /// <summary>Null when <paramref name="createdAt"/> is no later than <paramref name="now"/> plus <paramref name="maxSkew"/>; else why not.</summary>
    public static Rejection? CheckNotAhead(DateTimeOffset createdAt, DateTimeOffset now, TimeSpan maxSkew)
    {
        // Compared as a difference, so a "now" near the end of time cannot overflow.
        var ahead = createdAt - now;
        return ahead <= maxSkew
            ? null
            : new Rejection(RejectReason.EventTimeOutOfRange,
                string.Create(CultureInfo.InvariantCulture, $"createdAt is {ahead.TotalSeconds:0} s ahead of now, more than the allowed skew of {maxSkew.TotalSeconds:0} s"));
    }
}
