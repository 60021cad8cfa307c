using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using SocialCrm.Streaming.Host.Configuration;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// <c>Cluster:Bootstrap:Enabled</c>: Akka.Management's HTTP endpoint and cluster bootstrap, with the Kubernetes API as
/// its discovery (<see cref="KubernetesPodDiscovery"/>), in place of static seed nodes. The members probe each other's endpoint; once
/// <c>RequiredContactPoints</c> pods agree, the lowest-addressed one forms the cluster and the others join it.
/// </summary>
public static class KubernetesBootstrap
{
    /// <summary>The pods' container port the members probe (the discovery returns each pod's port of this name).</summary>
    public const string ManagementPortName = "management";

    /// <summary>Throws <see cref="ConfigurationException"/> when the bootstrap is on outside a pod.</summary>
    public static void RequireKubernetesApi(ClusterNodeOptions cluster)
    {
        if (cluster.Bootstrap.Enabled && KubernetesBootstrapOptions.KubernetesApiErrors(Environment.GetEnvironmentVariable, File.Exists) is { Count: > 0 } errors)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>Adds the bootstrap when <c>Cluster:Bootstrap:Enabled</c>; otherwise leaves the builder as it is.</summary>
    public static AkkaConfigurationBuilder WithKubernetesBootstrap(this AkkaConfigurationBuilder akka, ClusterNodeOptions cluster)
    {
        var bootstrap = cluster.Bootstrap;
        if (!bootstrap.Enabled)
        {
            return akka;
        }
        return akka
            .WithAkkaManagement(new AkkaManagementOptions
            {
                HostName = cluster.Hostname,
                Port = bootstrap.ManagementPort,
                BindHostName = "0.0.0.0",
                BindPort = bootstrap.ManagementPort,
            })
            .WithClusterBootstrap(new ClusterBootstrapOptions
            {
                ContactPointDiscovery =
                {
                    ServiceName = bootstrap.ServiceName,
                    PortName = ManagementPortName,
                    RequiredContactPointsNr = bootstrap.RequiredContactPoints,
                    DiscoveryMethod = KubernetesPodDiscovery.Method,
                },
            })
            .AddHocon(DiscoveryConfig(bootstrap.PodLabelSelector), HoconAddMode.Prepend);
    }

    /// <summary>Where Akka.Discovery finds <see cref="KubernetesPodDiscovery"/> and its label selector.</summary>
    public static string DiscoveryConfig(string podLabelSelector) => $$"""
        akka.discovery.{{KubernetesPodDiscovery.Method}} {
          class = "{{typeof(KubernetesPodDiscovery).AssemblyQualifiedName}}"
          pod-label-selector = "{{podLabelSelector}}"
        }
        """;
}
