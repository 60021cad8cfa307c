using SocialCrm.Streaming.CareConsole.Cases;

namespace SocialCrm.Streaming.CareConsole.Kpis;

/// <summary>How many durations, their median and their 90th percentile, in seconds.</summary>
public sealed record DurationStats(int Count, double MedianSeconds, double P90Seconds);

/// <summary>The figures of the KPI view, over the alerts and triggers detected in one period.</summary>
/// <param name="TimeToFirstAction">By priority: from detection to the first change of the case.</param>
/// <param name="TimeToResolution">By priority: from detection to the first resolution.</param>
/// <param name="OpenByAge">Cases not resolved at the end of the period, by age bucket (see <see cref="CaseKpis.AgeBuckets"/>).</param>
/// <param name="ResolvedByOutcome">Cases resolved at the end of the period, by outcome.</param>
/// <param name="RetentionWorked">Retention triggers with at least one change, by value tier.</param>
public sealed record KpiReport(
    DateTimeOffset From, DateTimeOffset To, int Signals,
    IReadOnlyDictionary<string, DurationStats> TimeToFirstAction,
    IReadOnlyDictionary<string, DurationStats> TimeToResolution,
    IReadOnlyDictionary<string, int> OpenByAge,
    IReadOnlyDictionary<string, int> ResolvedByOutcome,
    int RetentionTriggers,
    IReadOnlyDictionary<string, int> RetentionWorked);

/// <summary>
/// The care team's KPIs from the audit trail, pure: the signals detected in [from, to) and the changes made
/// to them up to <c>to</c>. Percentiles interpolate linearly between the nearest ranks (the median of 1, 2,
/// 3, 4 is 2.5).
/// </summary>
public static class CaseKpis
{
    public static readonly IReadOnlyList<(string Name, TimeSpan Below)> AgeBuckets =
    [
        ("under 1h", TimeSpan.FromHours(1)),
        ("1h-4h", TimeSpan.FromHours(4)),
        ("4h-24h", TimeSpan.FromHours(24)),
        ("over 24h", TimeSpan.MaxValue),
    ];

    public static KpiReport Compute(
        IEnumerable<CaseSubject> signals, IReadOnlyDictionary<string, IReadOnlyList<CaseEvent>> trails, DateTimeOffset from, DateTimeOffset to)
    {
        var inPeriod = signals
            .Where(s => s.DetectedAt >= from && s.DetectedAt < to)
            .DistinctBy(s => s.SignalId)
            .ToList();
        var firstAction = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var resolution = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var openByAge = AgeBuckets.ToDictionary(b => b.Name, _ => 0, StringComparer.Ordinal);
        var resolvedByOutcome = CaseNames.Outcomes.ToDictionary(o => o.ToWire(), _ => 0, StringComparer.Ordinal);
        var retentionWorked = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var retentionTriggers = 0;
        foreach (var signal in inPeriod)
        {
            var changes = trails.TryGetValue(signal.SignalId, out var trail)
                ? trail.Where(e => e.At <= to).OrderBy(e => e.Version).ToList()
                : [];
            if (changes.Count > 0)
            {
                Add(firstAction, signal.Priority, (changes[0].At - signal.DetectedAt).TotalSeconds);
            }
            if (changes.FirstOrDefault(e => e.Action == CaseAction.Resolve) is { } resolved)
            {
                Add(resolution, signal.Priority, (resolved.At - signal.DetectedAt).TotalSeconds);
            }
            if (changes.Count > 0 && changes[^1] is { State: CaseState.Resolved, Outcome: { } outcome })
            {
                resolvedByOutcome[outcome.ToWire()]++;
            }
            else
            {
                var age = to - signal.DetectedAt;
                openByAge[AgeBuckets.First(b => age < b.Below).Name]++;
            }
            if (signal.SignalType == "retention")
            {
                retentionTriggers++;
                if (changes.Count > 0)
                {
                    var tier = signal.ValueTier ?? "unknown";
                    retentionWorked[tier] = retentionWorked.GetValueOrDefault(tier) + 1;
                }
            }
        }
        return new KpiReport(from, to, inPeriod.Count, Stats(firstAction), Stats(resolution), openByAge, resolvedByOutcome, retentionTriggers, retentionWorked);
    }

    /// <summary>The p-quantile (0..1) of sorted values, interpolated linearly between the nearest ranks.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            throw new ArgumentException("no values", nameof(sorted));
        }
        var rank = p * (sorted.Count - 1);
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
    }

    private static void Add(Dictionary<string, List<double>> byPriority, string priority, double seconds)
    {
        if (!byPriority.TryGetValue(priority, out var values))
        {
            byPriority[priority] = values = [];
        }
        values.Add(seconds);
    }

    private static SortedDictionary<string, DurationStats> Stats(Dictionary<string, List<double>> byPriority)
    {
        var stats = new SortedDictionary<string, DurationStats>(StringComparer.Ordinal);
        foreach (var (priority, values) in byPriority)
        {
            values.Sort();
            stats[priority] = new DurationStats(values.Count, Percentile(values, 0.5), Percentile(values, 0.9));
        }
        return stats;
    }
}
