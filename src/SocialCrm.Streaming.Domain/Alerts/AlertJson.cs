using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Alerts;

/// <summary>
/// Serializes alerts and triggers to UTF-8 JSON deterministically: the property order of the output
/// contracts (topology/schemas/crisis-alert.schema.json, lifecycle-trigger.schema.json), camelCase names, invariant shortest round-trip numbers, UTC RFC 3339 times
/// (<c>2026-11-23T10:15:00Z</c>, fractional seconds only when present), optional fields omitted when null.
/// </summary>
public static class AlertJson
{
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        // Keeps non-ASCII text readable while escaping what HTML-unsafe contexts need escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    public static byte[] Serialize(DomainSignal signal)
    {
        Write(ReusableJsonWriter.Start(), signal);
        return ReusableJsonWriter.ToUtf8Array();
    }

    public static string SerializeToString(DomainSignal signal)
    {
        Write(ReusableJsonWriter.Start(), signal);
        return ReusableJsonWriter.ToUtf16String();
    }

    public static void Write(Utf8JsonWriter writer, DomainSignal signal)
    {
        switch (signal)
        {
            case CrisisAlert alert:
                WriteAlert(writer, alert);
                break;
            case LifecycleTrigger trigger:
                WriteTrigger(writer, trigger);
                break;
            default:
                throw new ArgumentException($"unknown signal type {signal.GetType().Name}", nameof(signal));
        }
    }

    private static void WriteAlert(Utf8JsonWriter w, CrisisAlert a)
    {
        w.WriteStartObject();
        w.WriteString("type"u8, "crisis"u8);
        w.WriteString("alertId"u8, a.Id);
        w.WriteString("kind"u8, a.Kind.ToWire());
        w.WriteString("brand"u8, a.Brand);
        if (a.Entity is not null)
        {
            w.WriteString("entityId"u8, a.Entity);
        }
        w.WriteNumber("severity"u8, a.Severity);
        w.WriteString("priority"u8, a.Priority.ToWire());
        w.WriteString("summary"u8, a.Summary);
        WriteReasons(w, a.Reasons);
        WriteEvidence(w, a.Evidence);
        w.WriteString("eventTime"u8, FormatTime(a.EventTime, stackalloc char[MaxTimeLength]));
        w.WriteString("detectedAt"u8, FormatTime(a.DetectedAt, stackalloc char[MaxTimeLength]));
        WriteRulesVersion(w, a);
        w.WriteEndObject();
    }

    private static void WriteTrigger(Utf8JsonWriter w, LifecycleTrigger t)
    {
        w.WriteStartObject();
        w.WriteString("triggerId"u8, t.Id);
        w.WriteString("type"u8, t.Type.ToWire());
        w.WriteString("brand"u8, t.Brand);
        w.WriteString("entityId"u8, t.Entity);
        if (t.CustomerId is not null)
        {
            w.WriteString("customerId"u8, t.CustomerId);
        }
        w.WriteNumber("riskScore"u8, Math.Round(t.RiskScore, 4, MidpointRounding.ToEven));
        if (t.ValueTier == ValueTier.Unknown)
        {
            w.WriteNull("valueTier"u8);
        }
        else
        {
            w.WriteString("valueTier"u8, t.ValueTier.ToWire());
        }
        WriteReasons(w, t.Reasons);
        w.WriteString("suggestedAction"u8, t.SuggestedAction);
        w.WriteString("priority"u8, t.Priority.ToWire());
        w.WriteString("eventTime"u8, FormatTime(t.EventTime, stackalloc char[MaxTimeLength]));
        w.WriteString("detectedAt"u8, FormatTime(t.DetectedAt, stackalloc char[MaxTimeLength]));
        WriteEvidence(w, t.Evidence);
        WriteRulesVersion(w, t);
        w.WriteEndObject();
    }

    private static void WriteRulesVersion(Utf8JsonWriter w, DomainSignal signal)
    {
        if (signal.RulesVersion is not null)
        {
            w.WriteString("rulesVersion"u8, signal.RulesVersion);
        }
    }

    private static void WriteReasons(Utf8JsonWriter w, IReadOnlyList<string> reasons)
    {
        w.WriteStartArray("reasons"u8);
        foreach (var reason in reasons)
        {
            w.WriteStringValue(reason);
        }
        w.WriteEndArray();
    }

    private static void WriteEvidence(Utf8JsonWriter w, IReadOnlyList<Evidence> evidence)
    {
        w.WriteStartArray("evidence"u8);
        foreach (var e in evidence)
        {
            w.WriteStartObject();
            w.WriteString("mentionId"u8, e.MentionId);
            w.WriteString("platform"u8, e.Platform);
            w.WriteString("excerpt"u8, e.Excerpt);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>UTC, RFC 3339, trailing zero fractions dropped: <c>2026-11-23T10:15:00Z</c>, <c>2026-11-23T10:15:00.012Z</c>.</summary>
    public static string FormatTime(DateTimeOffset time) => new(FormatTime(time, stackalloc char[MaxTimeLength]));

    /// <summary>The characters of <see cref="FormatTime(DateTimeOffset)"/> in <paramref name="into"/> (at least <see cref="MaxTimeLength"/> long).</summary>
    public static ReadOnlySpan<char> FormatTime(DateTimeOffset time, Span<char> into)
    {
        // The round-trip format ("O") has a fast path of its own, where a custom pattern with F digits is interpreted
        // at each call (a record formats two or three times): its seven fraction digits are trimmed here instead.
        if (!time.UtcDateTime.TryFormat(into, out var written, "O", CultureInfo.InvariantCulture) || written != MaxTimeLength)
        {
            throw new ArgumentException($"the buffer holds fewer than {MaxTimeLength} characters", nameof(into));
        }
        var end = MaxTimeLength - 1; // the 'Z'
        while (into[end - 1] == '0')
        {
            end--;
        }
        if (into[end - 1] == '.')
        {
            end--;
        }
        into[end] = 'Z';
        return into[..(end + 1)];
    }

    /// <summary>The longest <see cref="FormatTime(DateTimeOffset)"/>: <c>2026-11-23T10:15:00.1234567Z</c>.</summary>
    public const int MaxTimeLength = 28;
}
