using System.Diagnostics;

namespace SocialCrm.Streaming.Testing;

/// <summary>Kills redis-server children still running when the test process exits.</summary>
internal static class ChildProcesses
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<Process> Live = [];
    private static bool _hooked;

    public static void Track(Process process)
    {
        lock (Gate)
        {
            Live.Add(process);
            if (!_hooked)
            {
                _hooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            }
        }
    }

    public static void Untrack(Process process)
    {
        lock (Gate)
        {
            Live.Remove(process);
        }
    }

    private static void KillAll()
    {
        Process[] live;
        lock (Gate)
        {
            live = [.. Live];
            Live.Clear();
        }

        foreach (var process in live)
        {
            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }
    }
}
