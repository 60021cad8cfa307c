using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SocialCrm.Streaming.Testing;

/// <summary>
/// One redis-server child process of a <see cref="RedisServer"/>: started with <see cref="RedisServerArguments"/> and
/// answering PING, frozen and thawed by signals to its process id, killed by its process id. Its output is kept
/// (up to 16 KiB) for the error when it does not start. Not thread-safe: its <see cref="RedisServer"/> holds a lock.
/// </summary>
internal sealed partial class RedisServerProcess
{
    private const int SigCont = 18; // Linux x64/arm64
    private const int SigStop = 19;

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RedisServerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts redis-server at <paramref name="redisServerPath"/> on <paramref name="port"/> and waits until it answers PING.</summary>
    public static RedisServerProcess Start(string redisServerPath, int port, string? dataDirectory, string? clusterDirectory)
    {
        var psi = new ProcessStartInfo(redisServerPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in RedisServerArguments.For(port, dataDirectory, clusterDirectory))
        {
            psi.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = psi };
        var server = new RedisServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => server.Capture(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {redisServerPath}.");
        }

        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.WaitForPing(port, TimeSpan.FromSeconds(10));
        }
        catch
        {
            server.Kill();
            throw;
        }

        return server;
    }

    /// <summary>SIGSTOP: the server keeps its data and connections but answers nothing.</summary>
    public void Freeze() => Signal(_process.Id, SigStop);

    /// <summary>SIGCONT: the server answers everything that queued up meanwhile.</summary>
    public void Thaw() => Signal(_process.Id, SigCont);

    /// <summary>Kills the process, waits for it to exit and releases it.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(); // SIGKILL: also works on a SIGSTOPped process
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            ChildProcesses.Untrack(_process);
            _process.Dispose();
        }
    }

    private static void Signal(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Freeze/Thaw use Linux signal numbers.");
        }

        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 16_384)
            {
                _output.AppendLine(line);
            }
        }
    }

    private void WaitForPing(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var buffer = new byte[64];
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                string output;
                lock (_output)
                {
                    output = _output.ToString();
                }

                throw new InvalidOperationException(
                    $"redis-server exited with {_process.ExitCode} on port {port}: {output}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                using var stream = client.GetStream();
                stream.ReadTimeout = 1000;
                stream.Write("*1\r\n$4\r\nPING\r\n"u8);
                var read = stream.Read(buffer, 0, buffer.Length);
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // not listening yet
            }

            Thread.Sleep(20);
        }

        throw new InvalidOperationException($"redis-server did not answer PING on 127.0.0.1:{port} within {timeout}.");
    }
}
