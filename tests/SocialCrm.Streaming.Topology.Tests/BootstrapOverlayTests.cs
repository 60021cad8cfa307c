using System.Text.Json.Nodes;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// k8s/overlays/kubernetes-bootstrap: the cluster bootstrap switched on (Cluster:Bootstrap), the pods reachable at
/// their IPs with a "management" port, and the RBAC the pod discovery needs (read pods in its namespace).
/// </summary>
public sealed class BootstrapOverlayTests
{
    private static readonly Lazy<IReadOnlyList<JsonObject>> Rendered = new(() =>
    {
        var result = Tool.Run(Tool.Find("kubectl")!, ["kustomize", Path.Combine(Repo.K8s, "overlays", "kubernetes-bootstrap")], timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Error);
        return Yaml.Documents(result.Output);
    });

    private static JsonObject Single(string kind) => Assert.Single(Rendered.Value, d => d.Str("kind") == kind);

    [KubectlFact]
    public void The_service_account_may_read_pods_in_its_namespace_and_mounts_its_token()
    {
        var role = Single("Role");
        var rule = Assert.Single(role["rules"]!.AsArray())!;
        Assert.Equal(["pods"], rule["resources"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(["get", "list", "watch"], rule["verbs"]!.AsArray().Select(v => v!.GetValue<string>()).Order());
        var binding = Single("RoleBinding");
        Assert.Equal(role.Str("metadata.name"), binding.Str("roleRef.name"));
        var subject = Assert.Single(binding["subjects"]!.AsArray())!;
        var statefulSet = Single("StatefulSet");
        var pod = statefulSet["spec"]!["template"]!["spec"]!;
        Assert.Equal(pod.Str("serviceAccountName"), subject.Str("name"));
        Assert.Equal(statefulSet.Str("metadata.namespace"), subject.Str("namespace"));
        Assert.Equal(statefulSet.Str("metadata.namespace"), role.Str("metadata.namespace"));
        Assert.Equal("true", pod.Str("automountServiceAccountToken"));
    }

    [KubectlFact]
    public void The_nodes_bootstrap_at_their_pod_IPs_without_seed_nodes()
    {
        var statefulSet = Single("StatefulSet");
        var container = statefulSet["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single(c => c!.Str("name") == "socialcrm")!;
        var environment = container["env"]!.AsArray().ToDictionary(e => e!.Str("name"), e => e!.AsObject());
        Assert.Equal("status.podIP", environment["SOCIALCRM__Cluster__Hostname"].Str("valueFrom.fieldRef.fieldPath"));
        Assert.False(environment["SOCIALCRM__Cluster__Hostname"].ContainsKey("value"));
        Assert.Equal("", environment["SOCIALCRM__Cluster__SeedNodes"].Str("value"));

        var config = Rendered.Value.Single(d => d.Str("kind") == "ConfigMap" && d.Str("metadata.name").StartsWith("socialcrm-config", StringComparison.Ordinal))["data"]!;
        Assert.Equal("true", config.Str("SOCIALCRM__Cluster__Bootstrap__Enabled"));
        var managementPort = container["ports"]!.AsArray().Single(p => p!.Str("name") == "management")!.Str("containerPort");
        Assert.Equal(config.Str("SOCIALCRM__Cluster__Bootstrap__ManagementPort"), managementPort);
        var selector = config.Str("SOCIALCRM__Cluster__Bootstrap__PodLabelSelector")
            .Replace("{0}", config.Str("SOCIALCRM__Cluster__Bootstrap__ServiceName"), StringComparison.Ordinal);
        var podLabels = statefulSet["spec"]!["template"]!["metadata"]!["labels"]!;
        Assert.All(selector.Split(','), pair => Assert.Equal(pair.Split('=')[1], podLabels[pair.Split('=')[0]]?.GetValue<string>()));
    }
}
