using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Rules;

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
}
