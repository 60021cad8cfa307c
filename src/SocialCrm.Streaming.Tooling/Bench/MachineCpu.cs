using System.Diagnostics;
using System.Globalization;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>The machine's busy processor time (Linux /proc/stat) and this process's, at one moment.</summary>
public sealed record MachineCpu(TimeSpan MachineBusy, TimeSpan MachineTotal, TimeSpan ThisProcess)
{
    /// <summary>/proc/stat counts in USER_HZ ticks, 100 a second on every Linux.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Null where there is no /proc/stat.</summary>
    public static MachineCpu? Read()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }
        // "cpu  user nice system idle iowait irq softirq steal ...": idle and iowait are the not-busy ones.
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(value => long.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        var total = ticks.Take(8).Sum();
        var busy = total - ticks[3] - ticks[4];
        using var self = Process.GetCurrentProcess();
        return new MachineCpu(TimeSpan.FromSeconds(busy / TicksPerSecond), TimeSpan.FromSeconds(total / TicksPerSecond), self.TotalProcessorTime);
    }

    /// <summary>The share of all processors' time between two readings used by processes other than this one and <paramref name="helpers"/>.</summary>
    public static double? OtherProcessesShare(MachineCpu? start, MachineCpu? end, TimeSpan? helpers)
    {
        if (start is null || end is null || end.MachineTotal <= start.MachineTotal)
        {
            return null;
        }
        var others = end.MachineBusy - start.MachineBusy - (end.ThisProcess - start.ThisProcess) - (helpers ?? TimeSpan.Zero);
        return Math.Max(0, others / (end.MachineTotal - start.MachineTotal));
    }
}
