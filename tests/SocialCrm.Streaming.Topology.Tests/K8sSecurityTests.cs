using System.Text.Json.Nodes;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// What k8s/ does for transport and access: pods under the runtime's default seccomp profile as non-root, NetworkPolicies
/// that let in only remoting between processor pods, the metrics scrape and the console's HTTP, and every TLS file and
/// password a Secret the pods mount or reference.
/// </summary>
public sealed class K8sSecurityTests
{
    private static readonly Lazy<IReadOnlyList<JsonObject>> Rendered = new(() =>
    {
        var result = Tool.Run(Tool.Find("kubectl")!, ["kustomize", Repo.K8s], timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, "kubectl kustomize k8s/ failed: " + result.Error);
        return Yaml.Documents(result.Output);
    });

    private static string Component(JsonNode selector) => selector["matchLabels"]!["app.kubernetes.io/component"]!.GetValue<string>();

    private static JsonObject Workload(string kind) => Assert.Single(Rendered.Value, d => d.Str("kind") == kind);

    [KubectlFact]
    public void Processor_and_console_pods_run_non_root_under_the_RuntimeDefault_seccomp_profile()
    {
        foreach (var kind in new[] { "StatefulSet", "Deployment" })
        {
            var pod = Workload(kind)["spec"]!["template"]!["spec"]!;
            Assert.Equal("RuntimeDefault", pod.Str("securityContext.seccompProfile.type"));
            Assert.Equal("true", pod.Str("securityContext.runAsNonRoot"));
            var container = pod["containers"]![0]!;
            Assert.Equal("false", container.Str("securityContext.allowPrivilegeEscalation"));
        }
    }

    [KubectlFact]
    public void Network_policies_admit_only_remoting_between_processors_the_scrape_and_the_console_port()
    {
        var policies = Rendered.Value.Where(d => d.Str("kind") == "NetworkPolicy").ToDictionary(d => Component(d["spec"]!["podSelector"]!));
        var processor = policies["processor"];
        Assert.Equal(["Egress", "Ingress"], processor["spec"]!["policyTypes"]!.AsArray().Select(p => p!.GetValue<string>()).Order());
        var ingressPorts = processor["spec"]!["ingress"]!.AsArray().SelectMany(rule => rule!["ports"]!.AsArray().Select(p => p.Str("port"))).Order();
        Assert.Equal(["4053", "9464"], ingressPorts);
        var remoting = processor["spec"]!["ingress"]!.AsArray().Single(rule => rule!["ports"]![0].Str("port") == "4053")!;
        Assert.Equal("processor", Component(remoting["from"]![0]!["podSelector"]!));
        var egressPorts = processor["spec"]!["egress"]!.AsArray().SelectMany(rule => rule!["ports"]!.AsArray().Select(p => p.Str("port"))).ToHashSet();
        Assert.Superset(new HashSet<string> { "53", "4053", "9093", "6379" }, egressPorts);
        var console = policies["console"];
        Assert.Equal(["8080"], console["spec"]!["ingress"]!.AsArray().SelectMany(rule => rule!["ports"]!.AsArray().Select(p => p.Str("port"))));
    }

    [KubectlFact]
    public void TLS_files_and_passwords_come_from_secrets()
    {
        var pod = Workload("StatefulSet")["spec"]!["template"]!["spec"]!;
        var secrets = pod["volumes"]!.AsArray().Select(v => v!["secret"]?["secretName"]?.GetValue<string>()).OfType<string>().ToList();
        Assert.Contains("socialcrm-redis-tls", secrets);
        Assert.Contains("socialcrm-cluster-tls", secrets);
        var env = pod["containers"]![0]!["env"]!.AsArray().ToDictionary(e => e.Str("name"), e => e!);
        foreach (var secret in new[] { "SOCIALCRM__Redis__Password", "SOCIALCRM__Cluster__Tls__Password" })
        {
            Assert.False(string.IsNullOrEmpty(env[secret].Str("valueFrom.secretKeyRef.name")), secret);
        }
    }
}
