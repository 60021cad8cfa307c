using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// k8s/ renders with `kubectl kustomize k8s/` and agrees with the application's configuration
/// (src/SocialCrm.Streaming.Host/appsettings.json) and with topology/topics.json.
/// </summary>
public sealed class K8sTests
{
    private static readonly Lazy<IReadOnlyList<JsonObject>> Rendered = new(() =>
    {
        var result = Tool.Run(Tool.Find("kubectl")!, ["kustomize", Repo.K8s], timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, "kubectl kustomize k8s/ failed: " + result.Error);
        return Yaml.Documents(result.Output);
    });

    private static JsonElement AppSettings { get; } =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Src, "SocialCrm.Streaming.Host", "appsettings.json"))).RootElement.Clone();

    private static int RemotingPort => AppSettings.GetProperty("Cluster").GetProperty("Port").GetInt32();

    private static int MetricsPort => AppSettings.GetProperty("Metrics").GetProperty("Port").GetInt32();

    private static JsonObject Single(string kind, string? name = null) =>
        Assert.Single(Rendered.Value, d => d.Str("kind") == kind && (name is null || d.Str("metadata.name") == name));

    private static JsonObject Container => (JsonObject)Single("StatefulSet")["spec"]!["template"]!["spec"]!["containers"]![0]!;

    /// <summary>The container's environment: envFrom ConfigMaps first, then env (later wins, as in Kubernetes).</summary>
    private static Dictionary<string, JsonNode> Environment()
    {
        var environment = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var source in Container["envFrom"]?.AsArray() ?? [])
        {
            var configMap = Single("ConfigMap", source!.Str("configMapRef.name"));
            foreach (var (key, value) in configMap["data"]!.AsObject())
            {
                environment[key] = value!.DeepClone();
            }
        }
        foreach (var variable in Container["env"]!.AsArray())
        {
            environment[variable!.Str("name")] = (variable!["value"] ?? variable!["valueFrom"])!.DeepClone();
        }
        return environment;
    }

    private static int PortNumber(JsonNode port)
    {
        var text = port.GetValue<string>();
        if (int.TryParse(text, out var number))
        {
            return number;
        }
        var named = Container["ports"]!.AsArray().Single(p => p!.Str("name") == text);
        return int.Parse(named!.Str("containerPort"), System.Globalization.CultureInfo.InvariantCulture);
    }

    [KubectlFact]
    public void StatefulSet_ports_match_the_application_configuration()
    {
        var ports = Container["ports"]!.AsArray().ToDictionary(p => p!.Str("name"), p => int.Parse(p!.Str("containerPort"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(RemotingPort, ports["remoting"]);
        Assert.Equal(MetricsPort, ports["metrics"]);
        Assert.Equal(4053, RemotingPort);
        Assert.Equal(9464, MetricsPort);
        var environment = Environment();
        Assert.Equal(RemotingPort.ToString(System.Globalization.CultureInfo.InvariantCulture), environment["SOCIALCRM__Cluster__Port"].GetValue<string>());
        Assert.Equal(MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), environment["SOCIALCRM__Metrics__Port"].GetValue<string>());
        var annotations = Single("StatefulSet")["spec"]!["template"]!["metadata"]!["annotations"]!;
        Assert.Equal("true", annotations["prometheus.io/scrape"]!.GetValue<string>());
        Assert.Equal(MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]!.GetValue<string>());
        Assert.Equal("/metrics", annotations["prometheus.io/path"]!.GetValue<string>());
    }

    [KubectlFact]
    public void Probes_use_the_health_endpoints_on_the_metrics_port()
    {
        Assert.Equal("/health/live", Container.Str("livenessProbe.httpGet.path"));
        Assert.Equal("/health/ready", Container.Str("readinessProbe.httpGet.path"));
        Assert.Equal(MetricsPort, PortNumber(Container["livenessProbe"]!["httpGet"]!["port"]!));
        Assert.Equal(MetricsPort, PortNumber(Container["readinessProbe"]!["httpGet"]!["port"]!));
        if (Container["startupProbe"] is { } startup)
        {
            Assert.Equal(MetricsPort, PortNumber(startup["httpGet"]!["port"]!));
        }
    }

    [KubectlFact]
    public void Seed_nodes_are_the_first_pods_of_the_StatefulSet_through_the_headless_service()
    {
        var statefulSet = Single("StatefulSet");
        var name = statefulSet.Str("metadata.name");
        var serviceName = statefulSet.Str("spec.serviceName");
        var replicas = int.Parse(statefulSet.Str("spec.replicas"), System.Globalization.CultureInfo.InvariantCulture);
        var headless = Single("Service", serviceName);
        Assert.Equal("None", headless.Str("spec.clusterIP"));
        Assert.Equal("true", headless.Str("spec.publishNotReadyAddresses"));
        Assert.Contains(headless["spec"]!["ports"]!.AsArray(), p => p!.Str("port") == RemotingPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var podLabels = statefulSet["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.All(headless["spec"]!["selector"]!.AsObject(), s => Assert.Equal(s.Value!.GetValue<string>(), podLabels[s.Key]!.GetValue<string>()));

        var environment = Environment();
        var envNames = Container["env"]!.AsArray().Select(e => e!.Str("name")).ToList();
        Assert.Equal("metadata.name", Container["env"]!.AsArray().Single(e => e!.Str("name") == "POD_NAME")!.Str("valueFrom.fieldRef.fieldPath"));
        Assert.Equal("metadata.namespace", Container["env"]!.AsArray().Single(e => e!.Str("name") == "POD_NAMESPACE")!.Str("valueFrom.fieldRef.fieldPath"));
        // $(VAR) expands only variables defined earlier in env.
        Assert.True(envNames.IndexOf("POD_NAME") < envNames.IndexOf("SOCIALCRM__Cluster__Hostname"));
        Assert.True(envNames.IndexOf("POD_NAMESPACE") < envNames.IndexOf("SOCIALCRM__Cluster__SeedNodes"));

        var domain = $"{serviceName}.$(POD_NAMESPACE).svc.cluster.local";
        Assert.Equal($"$(POD_NAME).{domain}", environment["SOCIALCRM__Cluster__Hostname"].GetValue<string>());
        var seeds = environment["SOCIALCRM__Cluster__SeedNodes"].GetValue<string>().Split(',');
        Assert.Equal(Enumerable.Range(0, Math.Min(3, replicas)).Select(i => $"{name}-{i}.{domain}:{RemotingPort}"), seeds);
        Assert.True(replicas >= 1);
    }

    [KubectlFact]
    public void Container_runs_the_processor_with_resources_secrets_and_time_to_drain()
    {
        var statefulSet = Single("StatefulSet");
        var args = (Container["command"]?.AsArray() ?? []).Concat(Container["args"]?.AsArray() ?? []).Select(a => a!.GetValue<string>()).ToList();
        Assert.EndsWith("socialcrm", args[0], StringComparison.Ordinal);
        Assert.Equal("run", args[1]);
        foreach (var path in new[] { "requests.cpu", "requests.memory", "limits.cpu", "limits.memory" })
        {
            Assert.False(string.IsNullOrEmpty(Container["resources"].Str(path)), path);
        }
        var drain = TimeSpan.Parse(AppSettings.GetProperty("Kafka").GetProperty("DrainTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var grace = int.Parse(statefulSet.Str("spec.template.spec.terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(grace >= drain.TotalSeconds + 15, $"terminationGracePeriodSeconds {grace} leaves too little time to drain ({drain})");

        var environment = Environment();
        foreach (var secretVariable in new[] { "SOCIALCRM__Kafka__Properties__sasl.username", "SOCIALCRM__Kafka__Properties__sasl.password", "SOCIALCRM__Redis__Configuration" })
        {
            Assert.False(string.IsNullOrEmpty(environment[secretVariable].Str("secretKeyRef.name")), secretVariable);
        }
        Assert.False(string.IsNullOrEmpty(environment["SOCIALCRM__Kafka__BootstrapServers"].GetValue<string>()));
        Assert.DoesNotContain(Rendered.Value, d => d.Str("kind") == "Secret");
    }

    [KubectlFact]
    public void Disruption_budget_service_monitor_and_dashboard_are_rendered()
    {
        var podLabels = Single("StatefulSet")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var pdb = Single("PodDisruptionBudget");
        Assert.All(pdb["spec"]!["selector"]!["matchLabels"]!.AsObject(), s => Assert.Equal(s.Value!.GetValue<string>(), podLabels[s.Key]!.GetValue<string>()));

        var monitor = Single("ServiceMonitor");
        var selected = Rendered.Value.Where(d => d.Str("kind") == "Service"
            && monitor["spec"]!["selector"]!["matchLabels"]!.AsObject().All(l => d["metadata"]!["labels"]?[l.Key]?.GetValue<string>() == l.Value!.GetValue<string>())).ToList();
        Assert.NotEmpty(selected);
        var endpointPort = monitor.Str("spec.endpoints.0.port");
        Assert.All(selected, s => Assert.Contains(s["spec"]!["ports"]!.AsArray(), p => p!.Str("name") == endpointPort
            && p.Str("port") == MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var dashboardMap = Single("ConfigMap", "socialcrm-grafana-dashboard");
        Assert.Equal("1", dashboardMap.Str("metadata.labels.grafana_dashboard"));
        var json = dashboardMap["data"]!["socialcrm-dashboard.json"]!.GetValue<string>();
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.K8s, "grafana", "socialcrm-dashboard.json")).TrimEnd(), json.TrimEnd());
    }

    [KubectlFact]
    public void Care_console_runs_two_replicas_behind_a_service_with_probes_and_its_sign_in_settings()
    {
        var deployment = Single("Deployment", "socialcrm-console");
        Assert.Equal("2", deployment.Str("spec.replicas"));
        var pod = deployment["spec"]!["template"]!;
        var container = (JsonObject)pod["spec"]!["containers"]![0]!;
        var args = container["command"]!.AsArray().Concat(container["args"]!.AsArray()).Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal(["/app/socialcrm", "console", "--host", "0.0.0.0", "--port", "8080"], args);
        Assert.Equal("8080", container.Str("ports.0.containerPort"));
        Assert.Equal("/healthz", container.Str("livenessProbe.httpGet.path"));
        Assert.Equal("/readyz", container.Str("readinessProbe.httpGet.path"));
        Assert.Equal("http", container.Str("livenessProbe.httpGet.port"));
        Assert.Equal("http", container.Str("readinessProbe.httpGet.port"));

        var service = Single("Service", "socialcrm-console");
        Assert.Equal("http", service.Str("spec.ports.0.targetPort"));
        var podLabels = pod["metadata"]!["labels"]!.AsObject();
        Assert.All(service["spec"]!["selector"]!.AsObject(), s => Assert.Equal(s.Value!.GetValue<string>(), podLabels[s.Key]!.GetValue<string>()));
        // The processor's Services and monitor select processor pods only.
        Assert.Equal("processor", Single("Service", "socialcrm-metrics")["spec"]!["selector"]!["app.kubernetes.io/component"]!.GetValue<string>());

        var settings = Single("ConfigMap", container.Str("envFrom.0.configMapRef.name"))["data"]!.AsObject();
        foreach (var setting in new[] { "SOCIALCRM__Console__Auth__Authority", "SOCIALCRM__Console__Auth__Audience", "SOCIALCRM__Console__Auth__BrandsClaim", "SOCIALCRM__Redis__KeyPrefix" })
        {
            Assert.False(string.IsNullOrEmpty(settings[setting]?.GetValue<string>()), setting);
        }
        Assert.DoesNotContain(settings, s => s.Key.Contains("DevSignIn", StringComparison.Ordinal));
        Assert.Equal("socialcrm-redis-credentials", container["env"]!.AsArray().Single(e => e!.Str("name") == "SOCIALCRM__Redis__Configuration")!.Str("valueFrom.secretKeyRef.name"));
    }

    [KubectlFact]
    public void The_processor_reads_its_rules_from_a_mounted_ConfigMap_that_changes_in_place_and_binds()
    {
        var args = Container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var settingsFile = args[args.IndexOf("--config") + 1];
        var volumes = Single("StatefulSet")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray();
        // The file's directory is a whole ConfigMap volume: a subPath mount would never see the ConfigMap change.
        var mount = Assert.Single(Container["volumeMounts"]!.AsArray(), m => m!.Str("mountPath") == Path.GetDirectoryName(settingsFile));
        Assert.Null(mount!["subPath"]);
        var configMapName = Assert.Single(volumes, v => v!.Str("name") == mount.Str("name"))!.Str("configMap.name");
        // Without a content hash in its name, an edited ConfigMap updates the mounted file instead of rolling every pod.
        Assert.Equal("socialcrm-settings", configMapName);
        var content = Single("ConfigMap", configMapName)["data"]![Path.GetFileName(settingsFile)]!.GetValue<string>();

        // Only the Rules section: every other setting stays the image's default (SettingsFileTests) or a SOCIALCRM__ variable.
        Assert.Equal(["Rules"], JsonNode.Parse(content)!.AsObject().Select(p => p.Key));
        var file = Path.Combine(Path.GetTempPath(), $"k8s-settings-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, content);
        try
        {
            var required = new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = "kafka:9093", ["Redis:Configuration"] = "redis:6379" };
            var configuration = SocialCrm.Streaming.Host.Configuration.ConfigurationLoader.Build(required, file);
            var rules = SocialCrm.Streaming.Host.Configuration.RulesConfiguration.Bind(configuration);
            Assert.Equal(50_000, rules.Brands["acme"].InfluencerFollowers);
            SocialCrm.Streaming.Host.Configuration.ConfigurationLoader.Bind(configuration);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [KubectlFact]
    public void Every_overlay_renders_with_the_processor_and_its_alert_rules()
    {
        var overlays = Directory.GetDirectories(Path.Combine(Repo.K8s, "overlays"));
        Assert.NotEmpty(overlays);
        foreach (var overlay in overlays)
        {
            var result = Tool.Run(Tool.Find("kubectl")!, ["kustomize", overlay], timeout: TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 0, $"kubectl kustomize {Path.GetRelativePath(Repo.Root, overlay)} failed: {result.Error}");
            var documents = Yaml.Documents(result.Output);
            var statefulSet = Assert.Single(documents, d => d.Str("kind") == "StatefulSet");
            var rule = Assert.Single(documents, d => d.Str("kind") == "PrometheusRule");
            Assert.Equal(statefulSet.Str("metadata.namespace"), rule.Str("metadata.namespace"));
            Assert.NotEmpty(rule["spec"]!["groups"]!.AsArray());
        }
    }

    [KubectlFact]
    public void Rendered_KafkaTopics_match_topics_json()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        var topics = Rendered.Value.Where(d => d.Str("kind") == "KafkaTopic").ToList();
        AssertTopicsMatch(catalog, topics);
    }

    [Fact]
    public void Committed_Strimzi_topics_equal_what_topology_render_produces()
    {
        var path = Path.Combine(Repo.K8s, "topics", "kafka-topics.yaml");
        var expected = TopologyAdmin.RenderStrimzi(TopicCatalog.Load(Repo.TopicsJson));
        if (System.Environment.GetEnvironmentVariable("SOCIALCRM_UPDATE_RENDERED") == "1")
        {
            File.WriteAllText(path, expected);
        }
        Assert.True(File.Exists(path), $"{path} is missing: run `socialcrm topology render --format strimzi -o k8s/topics/kafka-topics.yaml`");
        Assert.True(expected == File.ReadAllText(path),
            "k8s/topics/kafka-topics.yaml is out of date with topology/topics.json: run `socialcrm topology render --format strimzi -o k8s/topics/kafka-topics.yaml`");
        AssertTopicsMatch(TopicCatalog.Load(Repo.TopicsJson), Yaml.Documents(expected));
    }

    [Fact]
    public void Dashboard_has_a_panel_for_every_metric()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.K8s, "grafana", "socialcrm-dashboard.json")));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.Contains(expressions, e => e.Contains("rate(socialcrm_mentions_processed_total", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("socialcrm_consumer_lag_records", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("histogram_quantile(0.99", StringComparison.Ordinal) && e.Contains("socialcrm_processing_latency_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("by (kind)", StringComparison.Ordinal) && e.Contains("socialcrm_alerts_total", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("rate(socialcrm_dead_letters_total", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("socialcrm_redis_write_duration_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("socialcrm_cluster_members", StringComparison.Ordinal));
        // Which rules each node applies, and the changes it applied and refused (live rules, k8s/README.md).
        foreach (var rules in new[] { "socialcrm_rules_info", "socialcrm_rules_changes_applied_total", "socialcrm_rules_changes_refused_total" })
        {
            Assert.Contains(expressions, e => e.Contains(rules, StringComparison.Ordinal));
        }
        // The runtime: CPU, working set, GC (collections, pause), heap, thread pool.
        foreach (var runtime in new[] { "rate(process_cpu_seconds_total", "process_working_set_bytes", "rate(dotnet_collection_count_total",
            "rate(dotnet_gc_pause_seconds_total", "dotnet_gc_heap_size_bytes", "dotnet_threadpool_threads", "dotnet_threadpool_queued_items" })
        {
            Assert.Contains(expressions, e => e.Contains(runtime, StringComparison.Ordinal));
        }
    }

    private static void AssertTopicsMatch(TopicCatalog catalog, IReadOnlyList<JsonObject> documents)
    {
        var topics = documents.Where(d => d.Str("kind") == "KafkaTopic").ToList();
        Assert.Equal(catalog.Topics.Select(t => t.Name).Order(StringComparer.Ordinal), topics.Select(t => t.Str("spec.topicName")).Order(StringComparer.Ordinal));
        foreach (var topic in topics)
        {
            var spec = catalog.Find(topic.Str("spec.topicName"))!;
            Assert.Equal("kafka.strimzi.io/v1", topic.Str("apiVersion"));
            Assert.Equal(spec.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture), topic.Str("spec.partitions"));
            Assert.Equal(spec.ReplicationFactor.ToString(System.Globalization.CultureInfo.InvariantCulture), topic.Str("spec.replicas"));
            Assert.Equal(spec.CleanupPolicy, topic["spec"]!["config"]!["cleanup.policy"]!.GetValue<string>());
            Assert.Equal(spec.RetentionMs?.ToString(System.Globalization.CultureInfo.InvariantCulture), topic["spec"]!["config"]!["retention.ms"]?.GetValue<string>());
            Assert.Equal(spec.TimestampType, topic["spec"]!["config"]!["message.timestamp.type"]?.GetValue<string>());
            Assert.Equal(TopologyAdmin.DefaultStrimziCluster, topic["metadata"]!["labels"]!["strimzi.io/cluster"]!.GetValue<string>());
        }
    }
}
