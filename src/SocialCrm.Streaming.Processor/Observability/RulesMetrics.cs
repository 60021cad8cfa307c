using Prometheus;

namespace SocialCrm.Streaming.Host.Observability;

/// <summary>
/// Which rules a node applies and how changes to them went: <c>socialcrm_rules_info{version}</c> is 1 for the version
/// in force (compare it across nodes to see a change has reached all of them), and the changes applied and refused.
/// </summary>
public sealed class RulesMetrics
{
    private readonly Gauge _info;
    private readonly Counter _applied;
    private readonly Counter _refused;
    private string _version;

    public RulesMetrics(CollectorRegistry registry, string version)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _info = factory.CreateGauge("socialcrm_rules_info", "1 for the version of the rules this node applies (a hash of their settings)", "version");
        _applied = factory.CreateCounter("socialcrm_rules_changes_applied_total", "Rule changes applied without a restart");
        _refused = factory.CreateCounter("socialcrm_rules_changes_refused_total", "Rule changes refused as invalid (the rules in force stayed)");
        _version = version;
        _info.WithLabels(version).Set(1);
    }

    public void Applied(string version)
    {
        _info.RemoveLabelled(_version);
        _version = version;
        _info.WithLabels(version).Set(1);
        _applied.Inc();
    }

    public void Refused() => _refused.Inc();
}
