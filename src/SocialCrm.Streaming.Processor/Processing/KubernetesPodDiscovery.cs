using System.Net;
using Akka.Actor;
using Akka.Discovery;
using k8s;
using k8s.Models;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Akka discovery of the cluster's members as the Kubernetes API lists them: the running pods of this namespace that
/// match <c>Cluster:Bootstrap:PodLabelSelector</c>, each at its IP and its container port named <c>management</c>.
/// Akka.Discovery.KubernetesApi 1.5.73 does the same but was built against KubernetesClient 17: it calls
/// <c>ListNamespacedPodAsync</c> and a <c>V1PodList</c> constructor that the versions the registry serves no longer
/// have, so it would fail with MissingMethodException at the first lookup.
/// </summary>
public sealed class KubernetesPodDiscovery : ServiceDiscovery
{
    public const string Method = "kubernetes-pods";
    private const string NamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
    private readonly Lazy<Kubernetes> _client = new(() => new Kubernetes(KubernetesClientConfiguration.InClusterConfig()));
    private readonly string _labelSelector;

    /// <summary>Created by Akka.Discovery from <c>akka.discovery.kubernetes-pods</c>.</summary>
    public KubernetesPodDiscovery(ExtendedActorSystem system)
    {
        _labelSelector = system.Settings.Config.GetString($"akka.discovery.{Method}.pod-label-selector");
    }

    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        using var timeout = new CancellationTokenSource(resolveTimeout);
        var podNamespace = (await File.ReadAllTextAsync(NamespaceFile, timeout.Token).ConfigureAwait(false)).Trim();
        var selector = string.Format(System.Globalization.CultureInfo.InvariantCulture, _labelSelector, lookup.ServiceName);
        var pods = await _client.Value.CoreV1.ListNamespacedPodAsync(podNamespace, labelSelector: selector, cancellationToken: timeout.Token).ConfigureAwait(false);
        return new Resolved(lookup.ServiceName, Targets(pods, lookup.PortName ?? KubernetesBootstrap.ManagementPortName));
    }

    /// <summary>Running pods not being deleted, with an IP and a container port of that name.</summary>
    public static IReadOnlyList<ResolvedTarget> Targets(V1PodList pods, string portName)
    {
        var targets = new List<ResolvedTarget>();
        foreach (var pod in pods.Items)
        {
            if (pod.Status?.Phase != "Running" || pod.Metadata?.DeletionTimestamp is not null || !IPAddress.TryParse(pod.Status.PodIP, out var address))
            {
                continue;
            }
            var port = pod.Spec?.Containers?.SelectMany(container => container.Ports ?? []).FirstOrDefault(p => p.Name == portName);
            if (port is not null)
            {
                targets.Add(new ResolvedTarget(pod.Status.PodIP, port.ContainerPort, address));
            }
        }
        return targets;
    }
}
