using System.Net;
using Akka.Actor;
using Akka.Discovery;
using k8s.Models;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// <c>Cluster:Bootstrap</c> (Akka.Management cluster bootstrap with Kubernetes API discovery): off by default, and
/// switched on with a missing or contradictory setting, or outside a pod, start-up stops naming the setting.
/// </summary>
public sealed class KubernetesBootstrapTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Kafka:BootstrapServers"] = "localhost:9092",
        ["Redis:Configuration"] = "localhost:6379",
        ["Cluster:Port"] = "4053",
        ["Metrics:Port"] = "9464",
    };

    private static ConfigurationException Invalid(params (string Setting, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(Valid) { ["Cluster:Bootstrap:Enabled"] = "true", ["Cluster:Bootstrap:ServiceName"] = "socialcrm" };
        foreach (var (setting, value) in overrides)
        {
            settings[setting] = value;
        }
        return Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Bind(ConfigurationLoader.Build(settings)));
    }

    [Fact]
    public void It_is_off_by_default_and_static_seed_nodes_stay_the_way_to_form_a_cluster()
    {
        var options = ConfigurationLoader.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>(Valid) { ["Cluster:SeedNodes"] = "10.0.0.1:4053" }));
        Assert.False(options.Cluster.Bootstrap.Enabled);
    }

    [Theory]
    [InlineData("Cluster:Bootstrap:ServiceName", "", "Cluster:Bootstrap:ServiceName is required")]
    [InlineData("Cluster:SeedNodes", "10.0.0.1:4053", "Cluster:SeedNodes must be empty when Cluster:Bootstrap:Enabled")]
    [InlineData("Cluster:Bootstrap:ManagementPort", "4053", "Cluster:Bootstrap:ManagementPort must be within 1..65535 and differ from Cluster:Port")]
    [InlineData("Cluster:Bootstrap:ManagementPort", "9464", "Cluster:Bootstrap:ManagementPort must be within 1..65535 and differ from Cluster:Port")]
    [InlineData("Cluster:Bootstrap:RequiredContactPoints", "0", "Cluster:Bootstrap:RequiredContactPoints must be >= 1")]
    [InlineData("Cluster:Bootstrap:PodLabelSelector", "socialcrm", "Cluster:Bootstrap:PodLabelSelector must be a label selector")]
    [InlineData("Cluster:Port", "0", "Cluster:Port must not be 0 when Cluster:Bootstrap:Enabled")]
    public void A_bad_bootstrap_setting_is_named_at_start_up(string setting, string value, string message)
    {
        Assert.Contains(message, Invalid((setting, value)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_a_pod_the_Kubernetes_API_is_missing_and_said_so()
    {
        var errors = KubernetesBootstrapOptions.KubernetesApiErrors(_ => null, _ => false);
        Assert.Equal(2, errors.Count);
        Assert.All(errors, error => Assert.StartsWith("Cluster:Bootstrap:Enabled is true", error, StringComparison.Ordinal));
        Assert.Contains("KUBERNETES_SERVICE_HOST", errors[0], StringComparison.Ordinal);
        Assert.Contains(KubernetesBootstrapOptions.ServiceAccountToken, errors[1], StringComparison.Ordinal);

        var inAPod = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" };
        Assert.Empty(KubernetesBootstrapOptions.KubernetesApiErrors(inAPod.GetValueOrDefault, path => path == KubernetesBootstrapOptions.ServiceAccountToken));
    }

    [Fact]
    public async Task Run_with_the_bootstrap_on_outside_a_pod_exits_2_naming_the_setting()
    {
        var environment = new Dictionary<string, string>
        {
            ["SOCIALCRM__Cluster__Bootstrap__Enabled"] = "true",
            ["SOCIALCRM__Cluster__Bootstrap__ServiceName"] = "socialcrm",
            ["KUBERNETES_SERVICE_HOST"] = "",
        };
        var (exit, _, error) = await SocialCrmProcess.RunAsync(environment, TimeSpan.FromMinutes(1),
            "run", "--kafka", "127.0.0.1:1", "--redis", "127.0.0.1:1", "--port", $"{FreePort.Next()}", "--metrics-port", "0");
        Assert.True(exit == 2, error);
        Assert.Contains("Cluster:Bootstrap:Enabled is true but KUBERNETES_SERVICE_HOST", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Akka_discovery_loads_the_pod_discovery_the_bootstrap_names()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString(KubernetesBootstrap.DiscoveryConfig("app.kubernetes.io/name={0}"));
        using var system = ActorSystem.Create("bootstrap-test", config.WithFallback(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        var discovery = Discovery.Get(system).LoadServiceDiscovery(KubernetesPodDiscovery.Method);
        Assert.IsType<KubernetesPodDiscovery>(discovery);
    }

    [Fact]
    public void The_members_are_the_running_pods_with_a_management_port()
    {
        static V1Pod Pod(string name, string phase, string? ip, string portName = KubernetesBootstrap.ManagementPortName, bool deleting = false) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, DeletionTimestamp = deleting ? DateTime.UtcNow : null },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "socialcrm", Ports = [new V1ContainerPort { Name = portName, ContainerPort = 8558 }] }] },
            Status = new V1PodStatus { Phase = phase, PodIP = ip },
        };
        var pods = new V1PodList
        {
            Items =
            [
                Pod("socialcrm-0", "Running", "10.1.0.10"),
                Pod("socialcrm-1", "Running", "10.1.0.11"),
                Pod("socialcrm-2", "Pending", null),
                Pod("socialcrm-3", "Running", "10.1.0.13", deleting: true),
                Pod("socialcrm-4", "Running", "10.1.0.14", portName: "metrics"),
            ],
        };
        var targets = KubernetesPodDiscovery.Targets(pods, KubernetesBootstrap.ManagementPortName);
        Assert.Equal(["10.1.0.10", "10.1.0.11"], targets.Select(t => t.Host));
        Assert.All(targets, t => Assert.Equal(8558, t.Port));
        Assert.Equal(IPAddress.Parse("10.1.0.10"), targets[0].Address);
    }
}
