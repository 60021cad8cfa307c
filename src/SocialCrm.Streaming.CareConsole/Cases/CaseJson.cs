using System.Buffers;
using System.Globalization;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;

namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>
/// A <see cref="CaseEvent"/> as JSON (topology/schemas/case-event.schema.json): the audit trail entry in
/// Redis, the live message to open consoles and the record of the case events topic are the same text.
/// </summary>
public static class CaseJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    public static string Serialize(CaseEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(384);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("eventId", e.EventId);
            w.WriteString("brand", e.Subject.Brand);
            w.WriteString("signalId", e.Subject.SignalId);
            w.WriteString("signalType", e.Subject.SignalType);
            w.WriteString("priority", e.Subject.Priority);
            w.WriteString("detectedAt", AlertJson.FormatTime(e.Subject.DetectedAt));
            WriteNullable(w, "valueTier", e.Subject.ValueTier);
            w.WriteNumber("version", e.Version);
            w.WriteString("action", e.Action.ToWire());
            w.WriteString("actor", e.Actor);
            w.WriteString("at", AlertJson.FormatTime(e.At));
            w.WriteString("state", e.State.ToWire());
            WriteNullable(w, "assignee", e.Assignee);
            WriteNullable(w, "outcome", e.Outcome?.ToWire());
            if (e.Note is not null)
            {
                w.WriteString("note", e.Note);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote; throws <see cref="FormatException"/> on anything else.</summary>
    public static CaseEvent Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var subject = new CaseSubject(
                Text(root, "brand"), Text(root, "signalId"), Text(root, "signalType"), Text(root, "priority"),
                Time(root, "detectedAt"), NullableText(root, "valueTier"));
            if (!CaseNames.TryParseAction(Text(root, "action"), out var action) || !CaseNames.TryParseState(Text(root, "state"), out var state))
            {
                throw new FormatException("unknown action or state");
            }
            CaseOutcome? outcome = null;
            if (NullableText(root, "outcome") is { } outcomeText)
            {
                outcome = CaseNames.TryParseOutcome(outcomeText, out var parsed) ? parsed : throw new FormatException($"unknown outcome '{outcomeText}'");
            }
            return new CaseEvent(subject, root.GetProperty("version").GetInt64(), action, Text(root, "actor"), Time(root, "at"),
                state, NullableText(root, "assignee"), outcome, NullableText(root, "note"));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not a case event: {ex.Message}", ex);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static string Text(JsonElement root, string name) => root.GetProperty(name).GetString() ?? throw new FormatException($"{name} is null");

    private static string? NullableText(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset Time(JsonElement root, string name) =>
        DateTimeOffset.Parse(Text(root, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
