using System.Buffers;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Domain.Snapshots;

namespace SocialCrm.Streaming.Domain.Replay;

/// <summary>
/// Offline, deterministic backtesting of the rules: mentions in input order (for a file, position =
/// (0, line number)), per-entity <see cref="CustomerState"/> in a dictionary and one <see cref="BrandMonitor"/>.
/// For each mention the entity's signals come first, then the brand's. <see cref="Finish"/> closes the brand
/// buckets still open at the end of input. State carries over with <see cref="ExportState"/> /
/// <see cref="ImportState"/>: two halves with the state carried over (and <see cref="Finish"/> only at the
/// very end) give the same output as one run.
/// </summary>
public sealed class ReplayEngine
{
    private readonly EngagementEngine _engine;
    private readonly BrandMonitor _brands;
    private readonly Dictionary<string, CustomerState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CustomerProfile?> _pendingProfiles = new(StringComparer.Ordinal);

    public ReplayEngine(RulesOptions rules)
    {
        _engine = new EngagementEngine(rules);
        _brands = new BrandMonitor(rules);
    }

    public EngagementEngine Engine => _engine;
    public BrandMonitor BrandMonitor => _brands;
    public int EntityCount => _states.Count;
    public long MentionsApplied { get; private set; }
    public long MentionsSkipped { get; private set; }

    public CustomerState? Find(EntityId id) => _states.GetValueOrDefault(id.Value);

    /// <summary>Applies a profile (null = tombstone) to the entity now, creating it if needed.</summary>
    public void ApplyProfile(EntityId id, CustomerProfile? profile)
    {
        if (!_states.TryGetValue(id.Value, out var state))
        {
            if (profile is null)
            {
                return;
            }
            _states[id.Value] = state = CustomerState.New(id);
        }
        _engine.ApplyProfile(state, profile);
    }

    /// <summary>Applies a mention; signals are appended to <paramref name="output"/>. Returns false when its position was already applied or it was delivered again (<see cref="EngagementEngine.Apply(CustomerState, Mention, SourcePosition, ICollection{DomainSignal})"/>).</summary>
    public bool Process(Mention mention, SourcePosition position, ICollection<DomainSignal> output)
    {
        var id = mention.EntityId;
        if (!_states.TryGetValue(id.Value, out var state))
        {
            _states[id.Value] = state = CustomerState.New(id);
        }
        if (!_engine.Apply(state, mention, position, output, out var analysis, out _))
        {
            MentionsSkipped++;
            return false;
        }
        MentionsApplied++;
        _brands.Observe(mention, analysis!, output, withText: state.ConsentProcessing);
        return true;
    }

    /// <summary>Runs a whole sequence and returns its signals, in order (calls <see cref="Finish"/> when <paramref name="finish"/>).</summary>
    public List<DomainSignal> Run(IEnumerable<(Mention Mention, SourcePosition Position)> mentions, bool finish = true)
    {
        var output = new List<DomainSignal>();
        foreach (var (mention, position) in mentions)
        {
            Process(mention, position, output);
        }
        if (finish)
        {
            Finish(output);
        }
        return output;
    }

    /// <summary>End of input: evaluates the brand buckets still open.</summary>
    public void Finish(ICollection<DomainSignal> output) => _brands.Flush(output);

    /// <summary>All entity states (ordered by id) and the brand monitor, as UTF-8 JSON.</summary>
    public byte[] ExportState()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("mentionsApplied", MentionsApplied);
            w.WriteNumber("mentionsSkipped", MentionsSkipped);
            w.WriteStartArray("entities");
            foreach (var (id, state) in _states.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteStartObject("fields");
                foreach (var field in state.ToSnapshotFields())
                {
                    w.WriteString(field.Name, field.Value);
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WritePropertyName("brandMonitor");
            _brands.WriteState(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Replaces all state with what <see cref="ExportState"/> wrote.</summary>
    public void ImportState(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json.ToArray());
        var root = document.RootElement;
        _states.Clear();
        MentionsApplied = root.GetProperty("mentionsApplied").GetInt64();
        MentionsSkipped = root.GetProperty("mentionsSkipped").GetInt64();
        foreach (var e in root.GetProperty("entities").EnumerateArray())
        {
            var id = EntityId.Parse(e.RequiredString("id"));
            var fields = e.GetProperty("fields").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, SavedState.Text(p.Value, p.Name))).ToList();
            _states[id.Value] = CustomerState.FromSnapshot(id, fields);
        }
        _brands.ImportState(root.GetProperty("brandMonitor"));
    }
}
