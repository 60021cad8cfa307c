using System.Globalization;
using SocialCrm.Streaming.Redis.State;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Views;

public sealed record MinuteVolume(DateTimeOffset Minute, long Positive, long Neutral, long Negative)
{
    public long Total => Positive + Neutral + Negative;
    public double NegativeShare => Total == 0 ? 0 : (double)Negative / Total;
}

public sealed record LeaderboardEntry(string EntityId, double Score);

public sealed record BrandOverview(string Brand, IReadOnlyList<MinuteVolume> Volume, IReadOnlyList<LeaderboardEntry> Risk, IReadOnlyList<LeaderboardEntry> Advocates);

/// <summary>The brand view from the processor's keys: per-minute volume hashes and the risk and advocate sorted sets.</summary>
public sealed class BrandOverviewReader(IConnectionMultiplexer connection, RedisKeys keys, ForeignData foreign)
{
    public const int LeaderboardSize = 10;

    /// <summary><paramref name="minutes"/> event-time minutes ending with <paramref name="lastMinute"/>, oldest first.</summary>
    public async Task<BrandOverview> ReadAsync(string brand, DateTimeOffset lastMinute, int minutes)
    {
        var end = new DateTimeOffset(lastMinute.UtcTicks - lastMinute.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var batch = connection.GetDatabase().CreateBatch();
        var reads = Enumerable.Range(0, minutes)
            .Select(i => end.AddMinutes(i - minutes + 1))
            .Select(minute => (minute, key: keys.Volume(brand, minute.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture))))
            .Select(m => (m.minute, m.key, read: batch.HashGetAllAsync(m.key)))
            .ToList();
        var risk = foreign.ReadAsync(batch.SortedSetRangeByRankWithScoresAsync(keys.Risk(brand), 0, LeaderboardSize - 1, Order.Descending), keys.Risk(brand), []);
        var advocates = foreign.ReadAsync(batch.SortedSetRangeByRankWithScoresAsync(keys.Advocates(brand), 0, LeaderboardSize - 1, Order.Descending), keys.Advocates(brand), []);
        batch.Execute();
        var volume = new List<MinuteVolume>(minutes);
        foreach (var (minute, key, read) in reads)
        {
            var counts = (await foreign.ReadAsync(read, key, []).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => e.Value, StringComparer.Ordinal);
            volume.Add(new MinuteVolume(minute, Count(counts, "positive", key), Count(counts, "neutral", key), Count(counts, "negative", key)));
        }
        return new BrandOverview(brand, volume, Board(await risk.ConfigureAwait(false)), Board(await advocates.ConfigureAwait(false)));
    }

    /// <summary>A minute's count of one class; one that is not a number (another hand's) counts as none.</summary>
    private long Count(Dictionary<string, RedisValue> counts, string sentiment, string key)
    {
        if (!counts.TryGetValue(sentiment, out var count))
        {
            return 0;
        }
        if (count.TryParse(out long number))
        {
            return number;
        }
        foreign.Name(key, $"a {sentiment} count that is not a number");
        return 0;
    }

    private static List<LeaderboardEntry> Board(SortedSetEntry[] entries) => [.. entries.Select(e => new LeaderboardEntry(e.Element!, e.Score))];
}
