using System.Buffers;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Snapshots;

namespace SocialCrm.Streaming.Cluster.Brands;

/// <summary>The last report number a brand monitor applied from one node, and when it came.</summary>
public readonly record struct AppliedReport(long Sequence, DateTimeOffset HeardAt);

/// <summary>
/// What a brand monitor entity saves (UTF-8 JSON): the detector's state and the last report applied per node,
/// written together so a report is either in both or in neither. A state saved before reports were numbered (the
/// detector's state alone) still loads, with no reports applied.
/// </summary>
public static class BrandMonitorSnapshot
{
    public static byte[] Write(BrandMonitor monitor, IReadOnlyDictionary<string, AppliedReport> appliedReports)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WritePropertyName("monitor");
            monitor.WriteState(w);
            w.WriteStartArray("reports");
            foreach (var (node, applied) in appliedReports.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("node", node);
                w.WriteNumber("sequence", applied.Sequence);
                w.WriteNumber("heardAt", applied.HeardAt.ToUnixTimeMilliseconds());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Replaces the monitor's state and the applied reports with the saved ones. An unreadable state throws a flaw of
    /// <see cref="SavedState.IsFlaw"/>, and may leave both half replaced.
    /// </summary>
    public static void Read(byte[] utf8Json, BrandMonitor monitor, Dictionary<string, AppliedReport> appliedReports)
    {
        using var document = JsonDocument.Parse(utf8Json);
        var root = document.RootElement;
        appliedReports.Clear();
        if (!root.TryGetProperty("monitor", out var state))
        {
            monitor.ImportState(root);
            return;
        }
        monitor.ImportState(state);
        foreach (var report in root.GetProperty("reports").EnumerateArray())
        {
            appliedReports[report.RequiredString("node")] = new AppliedReport(
                report.GetProperty("sequence").GetInt64(),
                DateTimeOffset.FromUnixTimeMilliseconds(report.GetProperty("heardAt").GetInt64()));
        }
    }
}
