using System.Text;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Replay;

namespace SocialCrm.Streaming.Host.Evaluation;

/// <summary>
/// An incident a scenario expects the rules to find: which detectors may find it (<see cref="Kinds"/>, alert kinds or
/// trigger types as on the wire), for which brand (and customer entity, for customer-level signals), when it starts
/// and ends (event time), and how late its detection may come at most (null: the evaluation's --max-delay).
/// </summary>
public sealed record ExpectedIncident(string Id, string Brand, string? Entity, IReadOnlyList<string> Kinds,
    DateTimeOffset Start, DateTimeOffset End, TimeSpan? MaxDelay);

/// <summary>
/// The first line of a scenario file (topology/schemas/scenario.schema.json): its name, the brands it streams, the
/// event-time span it covers, the detectors it labels completely (<see cref="Scored"/>: an alert of a scored kind that
/// matches no incident is a false alarm; other kinds are not judged), the incidents, and the customer profiles known
/// before the first mention (<see cref="Profiles"/>, each a line as <c>socialcrm replay --profiles</c> reads them). The
/// mentions follow, one a line.
/// </summary>
public sealed record ScenarioHeader(string Name, string Description, IReadOnlyList<string> Brands, DateTimeOffset Start, DateTimeOffset End,
    IReadOnlyList<string> Scored, IReadOnlyList<ExpectedIncident> Incidents, IReadOnlyList<string> Profiles)
{
    /// <summary>Every detector name a scenario may score: the crisis alert kinds and the lifecycle trigger types.</summary>
    public static readonly IReadOnlyList<string> DetectorNames =
        [.. Enum.GetValues<CrisisKind>().Select(k => k.ToWire()), .. Enum.GetValues<TriggerType>().Select(t => t.ToWire())];

    public double BrandHours => Brands.Count * (End - Start).TotalHours;

    /// <summary>The detector a signal comes from, by its wire name.</summary>
    public static string DetectorOf(DomainSignal signal) => signal switch
    {
        CrisisAlert alert => alert.Kind.ToWire(),
        LifecycleTrigger trigger => trigger.Type.ToWire(),
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a crisis alert or a lifecycle trigger"),
    };

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("scenario", Name);
        w.WriteString("description", Description);
        w.WriteStartArray("brands");
        foreach (var brand in Brands) w.WriteStringValue(brand);
        w.WriteEndArray();
        w.WriteString("start", Start);
        w.WriteString("end", End);
        w.WriteStartArray("scored");
        foreach (var kind in Scored) w.WriteStringValue(kind);
        w.WriteEndArray();
        w.WriteStartArray("incidents");
        foreach (var incident in Incidents)
        {
            w.WriteStartObject();
            w.WriteString("id", incident.Id);
            w.WriteString("brand", incident.Brand);
            if (incident.Entity is not null) w.WriteString("entity", incident.Entity);
            w.WriteStartArray("kinds");
            foreach (var kind in incident.Kinds) w.WriteStringValue(kind);
            w.WriteEndArray();
            w.WriteString("start", incident.Start);
            w.WriteString("end", incident.End);
            if (incident.MaxDelay is { } delay) w.WriteNumber("maxDelaySeconds", delay.TotalSeconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("profiles");
        foreach (var profile in Profiles) w.WriteRawValue(profile);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Applies the profiles to a fresh engine (they were validated by <see cref="Parse"/>).</summary>
    public void ApplyProfiles(ReplayEngine engine)
    {
        foreach (var line in Profiles)
        {
            if (CustomerProfileJson.TryParseLine(Encoding.UTF8.GetBytes(line), out var id, out var profile, out _))
            {
                engine.ApplyProfile(id, profile);
            }
        }
    }

    /// <summary>Reads a header line; a malformed one throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static ScenarioHeader Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray());
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the header is not JSON: {ex.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("scenario", out _))
            {
                throw new FormatException("the first line must be the scenario header, an object with a \"scenario\" name");
            }
            var start = Time(root, "start");
            var end = Time(root, "end");
            if (end <= start) throw new FormatException("\"end\" must be after \"start\"");
            var brands = Strings(root, "brands");
            if (brands.Count == 0 || brands.Any(b => !MentionParser.IsValidBrand(b))) throw new FormatException("\"brands\" must be one or more valid brand names");
            var scored = Strings(root, "scored");
            if (scored.FirstOrDefault(k => !DetectorNames.Contains(k)) is { } unknown)
            {
                throw new FormatException($"\"scored\" names an unknown detector '{unknown}' (known: {string.Join(", ", DetectorNames)})");
            }
            var incidents = new List<ExpectedIncident>();
            foreach (var e in Property(root, "incidents", JsonValueKind.Array).EnumerateArray())
            {
                incidents.Add(Incident(e, scored));
            }
            var profiles = new List<string>();
            if (root.TryGetProperty("profiles", out _))
            {
                foreach (var p in Property(root, "profiles", JsonValueKind.Array).EnumerateArray())
                {
                    var line = p.GetRawText();
                    if (!CustomerProfileJson.TryParseLine(Encoding.UTF8.GetBytes(line), out _, out _, out var rejection))
                    {
                        throw new FormatException($"\"profiles\" entry {profiles.Count + 1}: {rejection}");
                    }
                    profiles.Add(line);
                }
            }
            return new ScenarioHeader(Text(root, "scenario"), root.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "",
                brands, start, end, scored, incidents, profiles);
        }
    }

    private static ExpectedIncident Incident(JsonElement e, IReadOnlyList<string> scored)
    {
        var id = Text(e, "id");
        var kinds = Strings(e, "kinds");
        if (kinds.Count == 0 || kinds.Any(k => !scored.Contains(k))) throw new FormatException($"incident {id}: \"kinds\" must name one or more scored detectors");
        var start = Time(e, "start");
        var end = Time(e, "end");
        if (end < start) throw new FormatException($"incident {id}: \"end\" must not be before \"start\"");
        TimeSpan? maxDelay = null;
        if (e.TryGetProperty("maxDelaySeconds", out var delay))
        {
            if (delay.ValueKind != JsonValueKind.Number || delay.GetDouble() < 0) throw new FormatException($"incident {id}: \"maxDelaySeconds\" must be a number >= 0");
            maxDelay = TimeSpan.FromSeconds(delay.GetDouble());
        }
        var entity = e.TryGetProperty("entity", out var en) && en.ValueKind == JsonValueKind.String ? en.GetString() : null;
        return new ExpectedIncident(id, Text(e, "brand"), entity, kinds, start, end, maxDelay);
    }

    private static JsonElement Property(JsonElement e, string name, JsonValueKind kind) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == kind ? value : throw new FormatException($"\"{name}\" is missing or not a{(kind == JsonValueKind.Array ? "n array" : " string")}");

    private static string Text(JsonElement e, string name) => Property(e, name, JsonValueKind.String).GetString()!;

    private static List<string> Strings(JsonElement e, string name) =>
        [.. Property(e, name, JsonValueKind.Array).EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"\"{name}\" must hold strings"))];

    private static DateTimeOffset Time(JsonElement e, string name) =>
        Property(e, name, JsonValueKind.String).TryGetDateTimeOffset(out var time) ? time.ToUniversalTime() : throw new FormatException($"\"{name}\" is not an ISO 8601 time");
}
