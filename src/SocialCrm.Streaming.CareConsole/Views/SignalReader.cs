using SocialCrm.Streaming.Redis.State;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Views;

/// <summary>Reads the alert and trigger lists the processor writes (<c>scrm:{brand}:alerts|triggers</c>).</summary>
public sealed class SignalReader(IConnectionMultiplexer connection, RedisKeys keys, ForeignData foreign)
{
    public RedisKeys Keys => keys;

    /// <summary>The brand's listed alerts and triggers, newest first within each list; unreadable entries are left out.</summary>
    public async Task<IReadOnlyList<SignalSummary>> ReadAsync(string brand)
    {
        var db = connection.GetDatabase();
        var alerts = foreign.ReadAsync(db.ListRangeAsync(keys.Alerts(brand)), keys.Alerts(brand), []);
        var triggers = foreign.ReadAsync(db.ListRangeAsync(keys.Triggers(brand)), keys.Triggers(brand), []);
        var entries = (await alerts.ConfigureAwait(false)).Concat(await triggers.ConfigureAwait(false));
        return [.. entries.Select(e => SignalSummary.TryParse(e!)).OfType<SignalSummary>().DistinctBy(s => s.Id)];
    }

    public async Task<SignalSummary?> FindAsync(string brand, string signalId) =>
        (await ReadAsync(brand).ConfigureAwait(false)).FirstOrDefault(s => s.Id == signalId);
}
