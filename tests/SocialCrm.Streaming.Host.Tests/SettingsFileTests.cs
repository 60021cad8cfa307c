using System.Text.Json;
using Microsoft.Extensions.Configuration;
using SocialCrm.Streaming.Host.Configuration;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// A settings file given with <c>--config</c> replaces appsettings.json, so one that holds only a Rules section (as the
/// Kubernetes ConfigMap k8s/base/settings.json does, for rules that change live) must leave every other setting as
/// appsettings.json has it: the code's defaults are the file's.
/// </summary>
public sealed class SettingsFileTests
{
    private static readonly Dictionary<string, string?> Required = new()
    {
        ["Kafka:BootstrapServers"] = "localhost:9092",
        ["Redis:Configuration"] = "localhost:6379",
    };

    [Fact]
    public void A_settings_file_with_only_rules_binds_every_other_setting_as_appsettings_json_does()
    {
        var rulesOnly = Path.Combine(Path.GetTempPath(), $"settings-{Guid.NewGuid():N}.json");
        File.WriteAllText(rulesOnly, """{ "Rules": {} }""");
        try
        {
            var shipped = ConfigurationLoader.Build(Required);
            var partial = ConfigurationLoader.Build(Required, rulesOnly);
            Assert.True(File.Exists(ConfigurationLoader.DefaultSettingsFile), "appsettings.json is not beside the tests");

            Assert.Equal(Json(ConfigurationLoader.Bind(shipped)), Json(ConfigurationLoader.Bind(partial)));
            Assert.Equal(Json(RulesConfiguration.Bind(shipped)), Json(RulesConfiguration.Bind(partial)));
        }
        finally
        {
            File.Delete(rulesOnly);
        }
    }

    [Fact]
    public void The_shipped_appsettings_json_sets_nothing_the_code_does_not_already_default_to_but_the_log_levels()
    {
        // Its Logging section is applied by the host's own filters too (ProcessorHost): Akka at Warning, the rest at Information.
        var sections = new ConfigurationBuilder().AddJsonFile(ConfigurationLoader.DefaultSettingsFile).Build().GetChildren().Select(s => s.Key);
        Assert.Equal(["Cluster", "Health", "Kafka", "Logging", "Metrics", "Pipeline", "Redis", "Tenants"], sections.Order(StringComparer.Ordinal));
    }

    private static string Json<T>(T options) => JsonSerializer.Serialize(options);
}
