using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using SocialCrm.Streaming.Cluster.Rules;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Observability;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// The reloader against a mounted ConfigMap as the kubelet writes it: the file the node names is a symlink into
/// <c>..data</c>, itself a symlink to a timestamped directory, and an update writes a new directory and swaps
/// <c>..data</c> in one rename. The file's own path, size and times may not change; its content does.
/// </summary>
public sealed class RulesReloaderTests
{
    [Fact]
    public async Task A_ConfigMap_update_by_the_kubelets_symlink_swap_is_applied()
    {
        var mount = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"configmap-{Guid.NewGuid():N}")).FullName;
        try
        {
            WriteVersion(mount, "..2026_12_02_10_00_00.000000001", 200_000);
            File.CreateSymbolicLink(Path.Combine(mount, "settings.json"), Path.Combine("..data", "settings.json"));
            var settingsFile = Path.Combine(mount, "settings.json");
            var required = new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = "kafka:9092", ["Redis:Configuration"] = "redis:6379" };
            RulesOptions Load() => RulesConfiguration.Bind(ConfigurationLoader.Build(required, settingsFile));
            var live = new LiveRules(Load());
            var metrics = new RulesMetrics(new CollectorRegistry(), live.Current.Version);
            await using var reloader = new RulesReloader(new RulesSource(settingsFile, Load), live, metrics, NullLogger.Instance);
            reloader.Start();
            var started = live.Current.Version;

            WriteVersion(mount, "..2026_12_02_10_01_00.000000002", 20_000);

            var clock = Stopwatch.StartNew();
            while (live.Current.Version == started && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }
            Assert.NotEqual(started, live.Current.Version);
            Assert.Equal(20_000, live.Current.Rules.Brands["acme"].InfluencerFollowers);
        }
        finally
        {
            Directory.Delete(mount, recursive: true);
        }
    }

    /// <summary>What the kubelet's atomic writer does: the new files in a new directory, then <c>..data</c> renamed onto a link to it.</summary>
    private static void WriteVersion(string mount, string directory, int influencerFollowers)
    {
        Directory.CreateDirectory(Path.Combine(mount, directory));
        File.WriteAllText(Path.Combine(mount, directory, "settings.json"),
            $$"""{ "Rules": { "Brands": { "acme": { "InfluencerFollowers": {{influencerFollowers}} } } } }""");
        var next = Path.Combine(mount, "..data_tmp");
        File.CreateSymbolicLink(next, directory);
        // rename(2), as the kubelet does: .NET's File.Move refuses a link to a directory.
        Assert.Equal(0, Rename(next, Path.Combine(mount, "..data")));
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string from, string to);
}
