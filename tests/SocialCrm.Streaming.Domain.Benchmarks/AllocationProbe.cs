using System.Globalization;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Generation;

namespace SocialCrm.Streaming.Domain.Benchmarks;

/// <summary>
/// Managed bytes allocated per mention by each stage of a customer's hot path, on the generator's mentions
/// (the ones <c>socialcrm bench</c> produces), measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// around each call. Deterministic (the bytes do not depend on timing), so one run is the figure.
/// Stages as a customer entity runs them: parse, analyse, apply to the state, count into the volume, the timeline
/// entry, and the write (one write per mention: with thousands of customers a write mostly holds one).
/// </summary>
public static class AllocationProbe
{
    private const int Mentions = 40_000;

    // dotnet run -c Release --project tests/SocialCrm.Streaming.Domain.Benchmarks -- alloc
    public static void Run()
    {
        var records = new MentionGenerator(new GeneratorOptions { CrisisAt = 20_000 }).Generate(Mentions)
            .Where(r => r.IsValid).Select(r => r.Value).ToArray();
        var rules = new RulesOptions();
        Measure(records, rules); // warm-up: JIT, tiering, lazily built tables
        Measure(records, rules);
        var report = Measure(records, rules);
        Console.WriteLine($"{"stage",-44} {"bytes/mention",14}");
        foreach (var (stage, bytes) in report)
        {
            Console.WriteLine($"{stage,-44} {((double)bytes / records.Length).ToString("F1", CultureInfo.InvariantCulture),14}");
        }
    }

    private static List<(string Stage, long Bytes)> Measure(byte[][] records, RulesOptions rules)
    {
        var engine = new EngagementEngine(rules);
        var model = new CustomerModel(engine, static () => new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));
        var states = new Dictionary<EntityId, CustomerState>();
        var modelStates = new Dictionary<EntityId, CustomerState>();
        var signals = new List<DomainSignal>();
        long parse = 0, analyze = 0, apply = 0, tally = 0, timeline = 0, changes = 0, drain = 0, modelApply = 0, write = 0;
        for (var i = 0; i < records.Length; i++)
        {
            // Outside the measured stages: what holds one write's tally (the entity makes one per write).
            var volume = new PendingEffects();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var mention = MentionParser.Parse(records[i]).Mention!;
            var parsed = GC.GetAllocatedBytesForCurrentThread();
            parse += parsed - before;

            var state = StateOf(states, mention);
            var position = new SourcePosition(0, i);
            before = GC.GetAllocatedBytesForCurrentThread();
            var analysis = engine.Analyze(mention);
            var analyzed = GC.GetAllocatedBytesForCurrentThread();
            analyze += analyzed - before;
            signals.Clear();
            engine.Apply(state, mention, position, analysis, signals);
            var applied = GC.GetAllocatedBytesForCurrentThread();
            apply += applied - analyzed;
            volume.CountVolume(mention.CreatedAt, analysis.Class);
            var counted = GC.GetAllocatedBytesForCurrentThread();
            tally += counted - applied;
            GC.KeepAlive(TimelineEntry.Of(mention, analysis, state.ConsentProcessing));
            var entered = GC.GetAllocatedBytesForCurrentThread();
            timeline += entered - counted;
            GC.KeepAlive(state.TakeUnwrittenChanges());
            var taken = GC.GetAllocatedBytesForCurrentThread();
            changes += taken - entered;
            GC.KeepAlive(volume.VolumeIncrements());
            drain += GC.GetAllocatedBytesForCurrentThread() - taken;

            // The same mention through the model, into a state of its own, then its write, as the entity does it.
            var modelState = StateOf(modelStates, mention);
            before = GC.GetAllocatedBytesForCurrentThread();
            var pending = new PendingEffects();
            model.Apply(modelState, mention, position, pending, out _);
            var modelApplied = GC.GetAllocatedBytesForCurrentThread();
            modelApply += modelApplied - before;
            GC.KeepAlive(model.ToWrite(modelState, i + 1, pending, null));
            write += GC.GetAllocatedBytesForCurrentThread() - modelApplied;
        }
        return
        [
            ("parse", parse),
            ("analyze", analyze),
            ("engine apply (state, detectors)", apply),
            ("volume tally", tally),
            ("timeline entry", timeline),
            ("snapshot changes (TakeUnwrittenChanges)", changes),
            ("volume tally increments", drain),
            ("CustomerModel.Apply (all of the above but parse)", modelApply),
            ("CustomerModel.ToWrite (one write per mention)", write),
            ("total: parse + model apply + write", parse + modelApply + write),
        ];
    }

    private static CustomerState StateOf(Dictionary<EntityId, CustomerState> states, Mention mention)
    {
        var id = mention.EntityId;
        if (!states.TryGetValue(id, out var state))
        {
            state = CustomerState.New(id);
            // A state restored from a stored snapshot: only what changed is written (the steady state of a busy node).
            state.TakeUnwrittenChanges();
            states[id] = state;
        }
        return state;
    }
}
