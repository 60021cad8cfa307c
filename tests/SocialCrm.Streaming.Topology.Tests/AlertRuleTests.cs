using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// The PrometheusRule in k8s/base is valid Prometheus rules (`promtool check rules`), every alert in it
/// has a unit test in k8s/alerts/socialcrm-rules.test.yaml that passes (`promtool test rules`), and it
/// queries only metrics the processor defines.
/// </summary>
public sealed partial class AlertRuleTests
{
    private static string RuleFile => Path.Combine(Repo.K8s, "base", "prometheusrule.yaml");

    private static string TestFile => Path.Combine(Repo.K8s, "alerts", "socialcrm-rules.test.yaml");

    private static JsonObject Spec => (JsonObject)Yaml.Documents(File.ReadAllText(RuleFile)).Single()["spec"]!;

    private static IEnumerable<JsonObject> Rules =>
        Spec["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Cast<JsonObject>();

    [PromtoolFact]
    public void Promtool_checks_the_rules_and_their_unit_tests_pass()
    {
        var promtool = Tool.Find("promtool");
        Assert.True(promtool is not null, "promtool is not on PATH: CI installs it (Debian package prometheus)");
        var dir = Directory.CreateTempSubdirectory("socialcrm-rules-");
        try
        {
            // promtool reads plain rule groups: the PrometheusRule's spec (JSON is YAML), beside a copy of the tests.
            var rules = Path.Combine(dir.FullName, "socialcrm-rules.yaml");
            File.WriteAllText(rules, Spec.ToJsonString());
            var tests = Path.Combine(dir.FullName, Path.GetFileName(TestFile));
            File.Copy(TestFile, tests);

            var check = Tool.Run(promtool!, ["check", "rules", rules]);
            Assert.True(check.ExitCode == 0, $"promtool check rules failed:\n{check.Output}{check.Error}");
            Assert.Contains($"SUCCESS: {Rules.Count()} rules found", check.Output, StringComparison.Ordinal);

            var test = Tool.Run(promtool!, ["test", "rules", tests]);
            Assert.True(test.ExitCode == 0, $"promtool test rules failed:\n{test.Output}{test.Error}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_alert_has_a_unit_test()
    {
        var alerts = Rules.Select(r => r.Str("alert")).ToList();
        Assert.Equal(9, alerts.Count);
        var tested = Yaml.Documents(File.ReadAllText(TestFile)).Single()["tests"]!.AsArray()
            .SelectMany(t => t!["alert_rule_test"]!.AsArray())
            .Where(c => c!["exp_alerts"] is JsonArray { Count: > 0 })
            .Select(c => c!.Str("alertname")).ToHashSet(StringComparer.Ordinal);
        Assert.All(alerts, alert => Assert.True(tested.Contains(alert), $"{alert} has no test case in which it fires"));
        Assert.All(Rules, r => Assert.Contains(r.Str("labels.severity"), new[] { "warning", "critical" }));
    }

    [Fact]
    public void Rules_query_only_metrics_the_processor_defines()
    {
        // The node's metrics are defined in its Observability folder (ProcessorMetrics, RulesMetrics).
        var defined = string.Concat(Directory.GetFiles(Path.Combine(Repo.Src, "SocialCrm.Streaming.Processor", "Observability"), "*Metrics.cs").Select(File.ReadAllText));
        var queried = Rules.SelectMany(r => MetricName().Matches(r.Str("expr")).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("socialcrm_processing_latency_seconds", queried);
        Assert.All(queried, name => Assert.True(defined.Contains($"\"{name}\"", StringComparison.Ordinal), $"the rules query {name}, which the processor's metrics do not define"));
    }

    /// <summary>A socialcrm metric name; a histogram's series suffix is not part of the family's name.</summary>
    [GeneratedRegex(@"\b(socialcrm_[a-z0-9_]+?)(?:_bucket|_sum|_count)?\b")]
    private static partial Regex MetricName();
}
