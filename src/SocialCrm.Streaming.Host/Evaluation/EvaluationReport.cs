using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SocialCrm.Streaming.Host.Evaluation;

/// <summary>The figures of a <see cref="DetectorScore"/> as a table (standard output) and as JSON (--report), and the budgets they break.</summary>
public static class EvaluationReport
{
    /// <summary>One sentence per broken budget: a detector over its false-alarm budget, an incident missed or found late.</summary>
    public static List<string> BrokenBudgets(DetectorScore score, double maxFalseAlarmsPerBrandDay)
    {
        var broken = new List<string>();
        foreach (var d in score.Detectors.Where(d => d.FalseAlarmsPerBrandDay > maxFalseAlarmsPerBrandDay))
        {
            broken.Add($"{d.Detector}: {N(d.FalseAlarmsPerBrandDay, "0.###")} false alarms per brand-day > {N(maxFalseAlarmsPerBrandDay, "0.###")}");
        }
        foreach (var i in score.Incidents.Where(i => !i.InTime))
        {
            broken.Add(i.Delay is { } delay
                ? $"{i.Scenario}: incident {i.Incident.Id} found after {Seconds(delay)} > {Seconds(i.MaxDelay)}"
                : $"{i.Scenario}: incident {i.Incident.Id} missed (by {string.Join(", ", i.Incident.Kinds)})");
        }
        return broken;
    }

    public static string Text(DetectorScore score, IReadOnlyList<string> broken)
    {
        var t = new StringBuilder();
        t.AppendLine(CultureInfo.InvariantCulture, $"{score.Scenarios} scenarios, {score.Mentions:N0} mentions, {N(score.BrandHours, "0.0")} brand-hours");
        t.AppendLine(CultureInfo.InvariantCulture, $"{"detector",-20} {"alerts",7} {"false",6} {"false/brand-day",16} {"precision",10} {"recall",8} {"caught",8} {"delay median",13} {"delay max",10}");
        foreach (var d in score.Detectors)
        {
            t.AppendLine(CultureInfo.InvariantCulture,
                $"{d.Detector,-20} {d.Alerts,7} {d.FalseAlarms,6} {N(d.FalseAlarmsPerBrandDay, "0.####"),16} {Ratio(d.Precision),10} {Ratio(d.Recall),8} {$"{d.IncidentsCaught}/{d.IncidentsExpected}",8} {Delay(d.MedianDelay),13} {Delay(d.MaxDelay),10}");
        }
        var inTime = score.Incidents.Count(i => i.InTime);
        t.AppendLine(CultureInfo.InvariantCulture, $"incidents: {score.Incidents.Count} expected, {inTime} found in time");
        foreach (var alarm in score.FalseAlarms.Take(10))
        {
            t.AppendLine(CultureInfo.InvariantCulture, $"false alarm in {alarm.Scenario}: {ScenarioHeader.DetectorOf(alarm.Signal)} {alarm.Signal.Key} at {alarm.Signal.EventTime:O}: {string.Join("; ", alarm.Signal.Reasons)}");
        }
        t.AppendLine(broken.Count == 0 ? "budgets: kept" : "budgets broken:");
        foreach (var line in broken)
        {
            t.AppendLine("  " + line);
        }
        return t.ToString();
    }

    public static byte[] Json(DetectorScore score, IReadOnlyList<string> broken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("scenarios", score.Scenarios);
            w.WriteNumber("mentions", score.Mentions);
            w.WriteNumber("brandHours", score.BrandHours);
            w.WriteStartArray("detectors");
            foreach (var d in score.Detectors)
            {
                w.WriteStartObject();
                w.WriteString("detector", d.Detector);
                w.WriteNumber("alerts", d.Alerts);
                w.WriteNumber("falseAlarms", d.FalseAlarms);
                w.WriteNumber("brandHours", d.BrandHours);
                w.WriteNumber("falseAlarmsPerBrandDay", d.FalseAlarmsPerBrandDay);
                Nullable(w, "precision", d.Precision);
                Nullable(w, "recall", d.Recall);
                w.WriteNumber("incidentsExpected", d.IncidentsExpected);
                w.WriteNumber("incidentsCaught", d.IncidentsCaught);
                Nullable(w, "medianDelaySeconds", d.MedianDelay?.TotalSeconds);
                Nullable(w, "maxDelaySeconds", d.MaxDelay?.TotalSeconds);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("incidents");
            foreach (var i in score.Incidents)
            {
                w.WriteStartObject();
                w.WriteString("scenario", i.Scenario);
                w.WriteString("id", i.Incident.Id);
                if (i.CaughtBy is { } by) w.WriteString("caughtBy", by); else w.WriteNull("caughtBy");
                Nullable(w, "delaySeconds", i.Delay?.TotalSeconds);
                w.WriteNumber("maxDelaySeconds", i.MaxDelay.TotalSeconds);
                w.WriteBoolean("inTime", i.InTime);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("falseAlarms");
            foreach (var alarm in score.FalseAlarms)
            {
                w.WriteStartObject();
                w.WriteString("scenario", alarm.Scenario);
                w.WriteString("detector", ScenarioHeader.DetectorOf(alarm.Signal));
                w.WriteString("key", alarm.Signal.Key);
                w.WriteString("eventTime", alarm.Signal.EventTime);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("brokenBudgets");
            foreach (var line in broken) w.WriteStringValue(line);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void Nullable(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Ratio(double? value) => value is { } v ? N(v, "0.000") : "-";

    private static string Seconds(TimeSpan delay) => N(delay.TotalSeconds, "0") + " s";

    private static string Delay(TimeSpan? delay) => delay is { } d ? Seconds(d) : "-";
}
