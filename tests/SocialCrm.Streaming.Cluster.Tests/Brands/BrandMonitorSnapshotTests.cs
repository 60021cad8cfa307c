using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using System.Text.Json.Nodes;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Domain.Snapshots;

namespace SocialCrm.Streaming.Cluster.Tests.Brands;

public sealed class BrandMonitorSnapshotTests
{
    private static BrandMonitor MonitorWithCounts()
    {
        var monitor = new BrandMonitor(new RulesOptions());
        var signals = new List<DomainSignal>();
        for (var minute = 29_412_300L; minute < 29_412_340; minute++)
        {
            monitor.Observe("acme", minute, (int)(minute % 7), 10, 3, signals);
        }
        return monitor;
    }

    [Fact]
    public void The_detector_state_and_the_applied_reports_come_back_as_saved()
    {
        var monitor = MonitorWithCounts();
        var reports = new Dictionary<string, AppliedReport>
        {
            ["akka.tcp://socialcrm@b:4053#2"] = new(41, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_123)),
            ["akka.tcp://socialcrm@a:4053#1"] = new(long.MaxValue, DateTimeOffset.FromUnixTimeMilliseconds(0)),
        };
        var saved = BrandMonitorSnapshot.Write(monitor, reports);

        var loaded = new BrandMonitor(new RulesOptions());
        var loadedReports = new Dictionary<string, AppliedReport> { ["stale"] = new(1, DateTimeOffset.UnixEpoch) };
        BrandMonitorSnapshot.Read(saved, loaded, loadedReports);

        Assert.Equal(reports.OrderBy(r => r.Key), loadedReports.OrderBy(r => r.Key));
        Assert.Equal(monitor.ExportState(), loaded.ExportState());
        Assert.Equal(saved, BrandMonitorSnapshot.Write(loaded, loadedReports));
    }

    [Fact]
    public void A_state_saved_before_reports_were_numbered_loads_with_none_applied()
    {
        var monitor = MonitorWithCounts();

        var loaded = new BrandMonitor(new RulesOptions());
        var loadedReports = new Dictionary<string, AppliedReport> { ["stale"] = new(1, DateTimeOffset.UnixEpoch) };
        BrandMonitorSnapshot.Read(monitor.ExportState(), loaded, loadedReports);

        Assert.Empty(loadedReports);
        Assert.Equal(monitor.ExportState(), loaded.ExportState());
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[]")]
    [InlineData("""{"monitor":{"brands":[{"brand":null}]},"reports":[]}""")]
    [InlineData("""{"monitor":{},"reports":[]}""")]
    [InlineData("""{"monitor":{"brands":[]},"reports":[{"node":null,"sequence":1,"heardAt":0}]}""")]
    public void An_unreadable_state_is_a_flaw_the_monitor_starts_afresh_from(string saved)
    {
        var failure = Record.Exception(() => BrandMonitorSnapshot.Read(System.Text.Encoding.UTF8.GetBytes(saved), new BrandMonitor(new RulesOptions()), []));
        Assert.NotNull(failure);
        Assert.True(SavedState.IsFlaw(failure), failure.ToString());
    }

    /// <summary>
    /// Any one value of a real saved state replaced by a value of another kind or out of range: it loads, or it fails
    /// with a flaw (which the entity answers by starting afresh); never with anything else, which would crash the entity.
    /// </summary>
    [Fact]
    public void A_saved_state_with_any_value_changed_loads_or_fails_as_a_flaw()
    {
        var saved = BrandMonitorSnapshot.Write(MonitorWithCounts(), new Dictionary<string, AppliedReport> { ["node-a"] = new(7, DateTimeOffset.UnixEpoch) });
        var values = Values(JsonNode.Parse(saved)!).ToList();
        JsonNode?[] replacements = [null, -1, 0, long.MaxValue, long.MinValue, 1e308, "x", "", new JsonArray(), new JsonObject(), true];
        var random = new Random(11);
        for (var round = 0; round < 600; round++)
        {
            var root = JsonNode.Parse(saved)!;
            var target = Values(root).ElementAt(random.Next(values.Count));
            var replacement = replacements[random.Next(replacements.Length)]?.DeepClone();
            switch (target.Parent)
            {
                case JsonObject parent: parent[target.GetPropertyName()] = replacement; break;
                case JsonArray parent: parent[target.GetElementIndex()] = replacement; break;
                default: continue;
            }
            var failure = Record.Exception(() => BrandMonitorSnapshot.Read(System.Text.Encoding.UTF8.GetBytes(root.ToJsonString()), new BrandMonitor(new RulesOptions()), []));
            Assert.True(failure is null || SavedState.IsFlaw(failure), $"{target.GetPath()} = {replacement?.ToJsonString() ?? "null"}: {failure}");
        }
    }

    /// <summary>Every node below <paramref name="node"/>, in document order.</summary>
    private static IEnumerable<JsonNode> Values(JsonNode node)
    {
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            yield return child;
            foreach (var below in Values(child))
            {
                yield return below;
            }
        }
    }
}
