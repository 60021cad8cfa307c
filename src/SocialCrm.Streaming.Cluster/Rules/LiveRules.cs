using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Cluster.Rules;

/// <summary>A validated rule set with what is built from it once: the engine and the version alerts record.</summary>
public sealed class AppliedRules
{
    private AppliedRules(RulesOptions rules)
    {
        Rules = rules;
        Engine = new EngagementEngine(rules);
        Version = RulesVersion.Of(rules);
    }

    public RulesOptions Rules { get; }
    public EngagementEngine Engine { get; }
    /// <summary><see cref="RulesVersion.Of"/> the rules.</summary>
    public string Version { get; }

    /// <summary>Throws <see cref="ArgumentException"/> when the rules are not valid (<see cref="RulesValidator"/>).</summary>
    public static AppliedRules Of(RulesOptions rules) => new(rules);
}

/// <summary>
/// The rules a node applies now, shared by its customer entities and brand monitors and replaced whole when a
/// validated change arrives. Each mention is applied under one rule set (read once), and whatever it raises records
/// that set's version, so a change between two mentions never mixes two sets in one decision.
/// </summary>
public sealed class LiveRules(RulesOptions rules)
{
    private AppliedRules _current = AppliedRules.Of(rules);

    public AppliedRules Current => Volatile.Read(ref _current);

    /// <summary>Applies <paramref name="next"/> from now on; returns the set it replaced.</summary>
    public AppliedRules Replace(AppliedRules next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return Interlocked.Exchange(ref _current, next);
    }
}
