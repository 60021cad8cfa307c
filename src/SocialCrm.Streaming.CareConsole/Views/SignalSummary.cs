using System.Globalization;
using System.Text.Json;
using SocialCrm.Streaming.CareConsole.Cases;

namespace SocialCrm.Streaming.CareConsole.Views;

/// <summary>
/// The fields of an alert or trigger JSON (crisis-alert and lifecycle-trigger schemas) that the queue
/// filters, orders and counts on; the page gets the whole JSON besides.
/// </summary>
/// <param name="Type"><c>crisis</c> for alerts, the trigger type otherwise.</param>
/// <param name="Kind">The alert kind; null for triggers.</param>
public sealed record SignalSummary(
    string Id, string Type, string? Kind, string Brand, string? EntityId, string Priority,
    DateTimeOffset DetectedAt, string? ValueTier, string Json)
{
    public bool IsAlert => Type == "crisis";

    public CaseSubject Subject => new(Brand, Id, Type, Priority, DetectedAt, ValueTier);

    /// <summary>Reads an alert or a trigger; null when the text is neither (it is then left out, never guessed at).</summary>
    public static SignalSummary? TryParse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var type = root.GetProperty("type").GetString();
            var isAlert = type == "crisis";
            var id = root.GetProperty(isAlert ? "alertId" : "triggerId").GetString();
            var brand = root.GetProperty("brand").GetString();
            var priority = root.GetProperty("priority").GetString();
            var detectedAt = root.GetProperty("detectedAt").GetString();
            if (type is null || id is null || brand is null || priority is null || detectedAt is null)
            {
                return null;
            }
            return new SignalSummary(
                id, type,
                isAlert ? root.GetProperty("kind").GetString() : null,
                brand,
                root.TryGetProperty("entityId", out var entity) ? entity.GetString() : null,
                priority,
                DateTimeOffset.Parse(detectedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                root.TryGetProperty("valueTier", out var tier) && tier.ValueKind == JsonValueKind.String ? tier.GetString() : null,
                json);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
