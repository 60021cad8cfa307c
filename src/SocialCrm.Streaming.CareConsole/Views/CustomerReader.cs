using System.Text.Json;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Redis.State;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Views;

/// <summary>A customer as the console shows it: the public fields of its hash, its newest mentions and the alerts and triggers it raised.</summary>
public sealed record CustomerView(string EntityId, IReadOnlyDictionary<string, string> State, IReadOnlyList<JsonElement> Mentions, IReadOnlyList<QueueEntry> Signals);

/// <summary>Reads <c>scrm:{brand}:customer:{id}</c>; the watermark, version, expiry renewal and restore fields are internal and left out.</summary>
public sealed class CustomerReader(IConnectionMultiplexer connection, RedisKeys keys, ForeignData foreign)
{
    public async Task<IReadOnlyDictionary<string, string>> ReadStateAsync(EntityId id)
    {
        var entries = await foreign.ReadAsync(connection.GetDatabase().HashGetAllAsync(keys.Customer(id)), Where(id, "hash"), []).ConfigureAwait(false);
        return entries
            .Select(e => (Name: (string)e.Name!, Value: (string)e.Value!))
            .Where(e => !e.Name.StartsWith("wm:", StringComparison.Ordinal) && !e.Name.StartsWith("x:", StringComparison.Ordinal)
                && !RedisCustomerStore.IsBookkeepingField(e.Name))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
    }

    /// <summary>The processor's timeline of the customer (<c>scrm:{brand}:timeline:{id}</c>), newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> ReadTimelineAsync(EntityId id)
    {
        var entries = await foreign.ReadAsync(connection.GetDatabase().ListRangeAsync(keys.Timeline(id)), Where(id, "timeline"), []).ConfigureAwait(false);
        var mentions = new List<JsonElement>(entries.Length);
        foreach (var entry in entries)
        {
            if (Mention((string)entry!) is { } mention)
            {
                mentions.Add(mention);
            }
            else
            {
                foreign.Name(Where(id, "timeline"), "an entry that is not a JSON object");
            }
        }
        return mentions;
    }

    private static JsonElement? Mention(string entry)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(entry) is { ValueKind: JsonValueKind.Object } mention ? mention : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Where a customer's key is, for the log: its brand, never the customer.</summary>
    private static string Where(EntityId id, string key) => $"{key} of a customer of {id.Brand}";
}
