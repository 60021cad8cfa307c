namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>
/// <c>Cluster:Bootstrap</c>: forming the cluster through Akka.Management's cluster bootstrap, which finds the other
/// members by asking the Kubernetes API for the pods labelled <see cref="PodLabelSelector"/>, instead of the static
/// <c>Cluster:SeedNodes</c>. Off by default. The pods need a service account allowed to get, list and watch pods
/// (k8s/overlays/kubernetes-bootstrap). The discovery is KubernetesPodDiscovery.
/// </summary>
public sealed class KubernetesBootstrapOptions
{
    public bool Enabled { get; set; }
    /// <summary>The name the pods are found by: it fills the <c>{0}</c> of <see cref="PodLabelSelector"/>.</summary>
    public string ServiceName { get; set; } = "";
    /// <summary>Kubernetes label selector of the member pods; <c>{0}</c> is <see cref="ServiceName"/>.</summary>
    public string PodLabelSelector { get; set; } = "app.kubernetes.io/name={0}";
    /// <summary>Port of Akka.Management's HTTP endpoint, which the members probe on each other (the pods' container port "management").</summary>
    public int ManagementPort { get; set; } = 8558;
    /// <summary>How many pods must be found before the lowest-addressed one forms a new cluster (the others then join it).</summary>
    public int RequiredContactPoints { get; set; } = 2;

    public void Validate(ClusterNodeOptions cluster, int metricsPort, List<string> errors)
    {
        if (!Enabled)
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(ServiceName))
        {
            errors.Add("Cluster:Bootstrap:ServiceName is required when Cluster:Bootstrap:Enabled is true (the value the pods' label selector matches); was ''");
        }
        if (!PodLabelSelector.Contains('=', StringComparison.Ordinal) || PodLabelSelector.Contains('"', StringComparison.Ordinal))
        {
            errors.Add($"Cluster:Bootstrap:PodLabelSelector must be a label selector such as app.kubernetes.io/name={{0}}; was '{PodLabelSelector}'");
        }
        if (SeedNodeList.Parse(cluster.SeedNodes).Count > 0)
        {
            errors.Add($"Cluster:SeedNodes must be empty when Cluster:Bootstrap:Enabled is true (the bootstrap finds the members); was '{cluster.SeedNodes}'");
        }
        if (cluster.Port == 0)
        {
            errors.Add("Cluster:Port must not be 0 when Cluster:Bootstrap:Enabled is true: the other members reach this one at it");
        }
        if (ManagementPort is < 1 or > 65535 || ManagementPort == cluster.Port || ManagementPort == metricsPort)
        {
            errors.Add($"Cluster:Bootstrap:ManagementPort must be within 1..65535 and differ from Cluster:Port ({cluster.Port}) and Metrics:Port ({metricsPort}); was '{ManagementPort}'");
        }
        if (RequiredContactPoints < 1)
        {
            errors.Add($"Cluster:Bootstrap:RequiredContactPoints must be >= 1; was '{RequiredContactPoints}'");
        }
    }

    /// <summary>
    /// The Kubernetes API the discovery asks, as a pod sees it: the service host variable and the service account's
    /// token. Checked at start-up, so that the bootstrap switched on outside a pod fails with the setting's name
    /// rather than retrying discovery forever.
    /// </summary>
    public static IReadOnlyList<string> KubernetesApiErrors(Func<string, string?> environment, Func<string, bool> fileExists)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(environment("KUBERNETES_SERVICE_HOST")) || string.IsNullOrWhiteSpace(environment("KUBERNETES_SERVICE_PORT")))
        {
            errors.Add("Cluster:Bootstrap:Enabled is true but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: the bootstrap finds members through the Kubernetes API, from inside a pod only (outside Kubernetes use Cluster:SeedNodes)");
        }
        if (!fileExists(ServiceAccountToken))
        {
            errors.Add($"Cluster:Bootstrap:Enabled is true but there is no service account token at {ServiceAccountToken}: the pod needs a service account allowed to get, list and watch pods (automountServiceAccountToken)");
        }
        return errors;
    }

    public const string ServiceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token";
}
