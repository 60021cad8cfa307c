using SocialCrm.Streaming.Domain.Alerts;

namespace SocialCrm.Streaming.Host.Evaluation;

/// <summary>One detector's figures over the scenarios that score it.</summary>
public sealed class DetectorFigures(string detector)
{
    public string Detector { get; } = detector;
    public int Alerts { get; set; }
    public int FalseAlarms { get; set; }
    public double BrandHours { get; set; }
    public int IncidentsExpected { get; set; }
    public List<TimeSpan> Delays { get; } = [];

    public int IncidentsCaught => Delays.Count;
    /// <summary>Alerts that match an incident, of all alerts; null without alerts.</summary>
    public double? Precision => Alerts == 0 ? null : (double)(Alerts - FalseAlarms) / Alerts;
    /// <summary>Incidents it caught, of those it may catch; null when none expects it.</summary>
    public double? Recall => IncidentsExpected == 0 ? null : (double)IncidentsCaught / IncidentsExpected;
    public double FalseAlarmsPerBrandDay => BrandHours == 0 ? 0 : FalseAlarms / (BrandHours / 24);
    public TimeSpan? MedianDelay => Delays.Count == 0 ? null : Median(Delays);
    public TimeSpan? MaxDelay => Delays.Count == 0 ? null : Delays.Max();

    private static TimeSpan Median(List<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>What became of one expected incident: the earliest detection by any of its detectors, and whether it was in time.</summary>
public sealed record IncidentOutcome(string Scenario, ExpectedIncident Incident, string? CaughtBy, TimeSpan? Delay, TimeSpan MaxDelay)
{
    public bool InTime => Delay is { } delay && delay <= MaxDelay;
}

/// <summary>A signal of a scored detector that matches no expected incident.</summary>
public sealed record FalseAlarm(string Scenario, DomainSignal Signal);

/// <summary>
/// Scores the signals of scenarios against their expected incidents. A signal matches an incident when it comes from
/// one of the incident's detectors, for its brand (and entity, if the incident names one), with an event time from
/// the minute before the incident's start (a minute bucket begins before a burst that starts within it) to its end.
/// Detection delay: the signal's detectedAt (event time of the last mention it counted) minus the incident's start.
/// </summary>
public sealed class DetectorScore(TimeSpan defaultMaxDelay)
{
    private readonly SortedDictionary<string, DetectorFigures> _figures = new(StringComparer.Ordinal);

    public IReadOnlyCollection<DetectorFigures> Detectors => _figures.Values;
    public List<IncidentOutcome> Incidents { get; } = [];
    public List<FalseAlarm> FalseAlarms { get; } = [];
    public int Scenarios { get; private set; }
    public double BrandHours { get; private set; }
    public long Mentions { get; private set; }

    public void Add(ScenarioHeader scenario, IReadOnlyList<DomainSignal> signals, long mentions)
    {
        Scenarios++;
        BrandHours += scenario.BrandHours;
        Mentions += mentions;
        foreach (var detector in scenario.Scored)
        {
            Figures(detector).BrandHours += scenario.BrandHours;
        }
        var firstBy = new Dictionary<(ExpectedIncident, string), TimeSpan>();
        foreach (var signal in signals)
        {
            var detector = ScenarioHeader.DetectorOf(signal);
            if (!scenario.Scored.Contains(detector))
            {
                continue;
            }
            var figures = Figures(detector);
            figures.Alerts++;
            var matched = scenario.Incidents.Where(i => Matches(i, detector, signal)).ToList();
            if (matched.Count == 0)
            {
                figures.FalseAlarms++;
                FalseAlarms.Add(new FalseAlarm(scenario.Name, signal));
            }
            foreach (var incident in matched)
            {
                var delay = signal.DetectedAt - incident.Start;
                delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
                if (!firstBy.TryGetValue((incident, detector), out var earlier) || delay < earlier)
                {
                    firstBy[(incident, detector)] = delay;
                }
            }
        }
        foreach (var incident in scenario.Incidents)
        {
            (string Detector, TimeSpan Delay)? first = null;
            foreach (var detector in incident.Kinds)
            {
                Figures(detector).IncidentsExpected++;
                if (firstBy.TryGetValue((incident, detector), out var delay))
                {
                    Figures(detector).Delays.Add(delay);
                    if (first is null || delay < first.Value.Delay) first = (detector, delay);
                }
            }
            Incidents.Add(new IncidentOutcome(scenario.Name, incident, first?.Detector, first?.Delay, incident.MaxDelay ?? defaultMaxDelay));
        }
    }

    private static bool Matches(ExpectedIncident incident, string detector, DomainSignal signal) =>
        incident.Kinds.Contains(detector) && incident.Brand == signal.Brand
        && (incident.Entity is null || incident.Entity == signal.EntityId)
        && signal.EventTime > incident.Start.AddMinutes(-1) && signal.EventTime <= incident.End;

    private DetectorFigures Figures(string detector)
    {
        if (!_figures.TryGetValue(detector, out var figures))
        {
            _figures[detector] = figures = new DetectorFigures(detector);
        }
        return figures;
    }
}
