using System.Text.Json;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.Domain.Alerts;

namespace SocialCrm.Streaming.CareConsole.Views;

/// <summary>The filters of the queue; null or empty: any.</summary>
public sealed record QueueFilter(string? Type, string? Kind, string? Priority, string? State)
{
    public bool Matches(SignalSummary signal, CaseState state) =>
        (string.IsNullOrEmpty(Type) || Type == signal.Type || (Type == "trigger" && !signal.IsAlert))
        && (string.IsNullOrEmpty(Kind) || Kind == signal.Kind)
        && (string.IsNullOrEmpty(Priority) || Priority == signal.Priority)
        && (string.IsNullOrEmpty(State) || State == state.ToWire());

    private static readonly string[] Types = ["crisis", "trigger", .. Enum.GetValues<TriggerType>().Select(t => t.ToWire())];
    private static readonly string[] Kinds = [.. Enum.GetValues<CrisisKind>().Select(k => k.ToWire())];
    private static readonly string[] Priorities = [.. Enum.GetValues<Priority>().Select(p => p.ToWire())];
    private static readonly string[] States = [.. Enum.GetValues<CaseState>().Select(s => s.ToWire())];

    /// <summary>What is wrong with the filter, naming the values allowed; null when every value is one the queue can hold.</summary>
    /// <remarks>A misspelt value (<c>priority=p1</c>) would otherwise match nothing, and an empty queue would look like a quiet day.</remarks>
    public string? Problem() =>
        Unknown("type", Type, Types) ?? Unknown("kind", Kind, Kinds) ?? Unknown("priority", Priority, Priorities) ?? Unknown("state", State, States);

    private static string? Unknown(string name, string? value, string[] allowed) =>
        string.IsNullOrEmpty(value) || allowed.Contains(value, StringComparer.Ordinal)
            ? null
            : $"{name} is one of {string.Join(", ", allowed)}";
}

/// <summary>The case part of a queue entry, as the page shows it.</summary>
public sealed record CaseView(string State, string? Assignee, string? Outcome, long Version, DateTimeOffset? UpdatedAt)
{
    public static CaseView Of(CaseSnapshot snapshot) =>
        new(snapshot.State.ToWire(), snapshot.Assignee, snapshot.Outcome?.ToWire(), snapshot.Version, snapshot.UpdatedAt);
}

/// <summary>One entry of the queue: the alert or trigger JSON as the processor wrote it, and where its case stands.</summary>
public sealed record QueueEntry(string Id, string Brand, string Type, string? Kind, string Priority, DateTimeOffset DetectedAt, JsonElement Signal, CaseView Case);

public static class QueueView
{
    public const int MaxEntries = 500;

    /// <summary>Highest priority first (P1 before P2), newest first within a priority; at most <see cref="MaxEntries"/>.</summary>
    public static IReadOnlyList<QueueEntry> Select(IEnumerable<SignalSummary> signals, IReadOnlyDictionary<string, CaseSnapshot> cases, QueueFilter filter) =>
        [.. signals
            .Select(s => (Signal: s, Case: cases.TryGetValue(s.Id, out var c) ? c : CaseSnapshot.Untouched(s.Subject)))
            .Where(e => filter.Matches(e.Signal, e.Case.State))
            .OrderBy(e => e.Signal.Priority, StringComparer.Ordinal)
            .ThenByDescending(e => e.Signal.DetectedAt)
            .Take(MaxEntries)
            .Select(e => Entry(e.Signal, e.Case))];

    public static QueueEntry Entry(SignalSummary signal, CaseSnapshot snapshot) =>
        new(signal.Id, signal.Brand, signal.Type, signal.Kind, signal.Priority, signal.DetectedAt,
            JsonSerializer.Deserialize<JsonElement>(signal.Json), CaseView.Of(snapshot));
}
