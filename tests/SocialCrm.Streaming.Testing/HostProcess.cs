using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace SocialCrm.Streaming.Testing;

/// <summary>
/// The built <c>socialcrm</c> executable as its own process (<c>dotnet socialcrm.dll ...</c>), as an operator or
/// Kubernetes runs it: its output is captured, its health endpoints read, and it is stopped with a real SIGTERM
/// (libc <c>kill</c>, what a rollout sends; <see cref="Process.Kill()"/> would be SIGKILL). Dispose always kills
/// what is still running, by its own process id.
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private const int SigTerm = 15; // Linux

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly HttpClient _http;

    private HostProcess(Process process, int? metricsPort)
    {
        _process = process;
        MetricsPort = metricsPort;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>The socialcrm.dll beside the test assembly (a test project that references the host gets it copied).</summary>
    public static string DefaultExecutable => Path.Combine(AppContext.BaseDirectory, "socialcrm.dll");

    public int Id => _process.Id;

    /// <summary>The port of /metrics and /health, when started with <see cref="StartRun"/>.</summary>
    public int? MetricsPort { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything written to stdout and stderr so far, line by line as it arrived.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>socialcrm args...</c> with extra environment variables (null removes one).</summary>
    public static HostProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, int? metricsPort = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(DefaultExecutable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }
        var process = new Process { StartInfo = start };
        var host = new HostProcess(process, metricsPort);
        process.OutputDataReceived += (_, e) => host.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => host.Capture(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>
    /// <c>socialcrm run</c> against <paramref name="kafka"/> and <paramref name="redis"/> on free ports (a cluster of one
    /// unless <paramref name="extraArgs"/> say otherwise); settings go in as SOCIALCRM__* variables.
    /// </summary>
    public static HostProcess StartRun(string kafka, string redis, IReadOnlyDictionary<string, string?>? settings = null, params string[] extraArgs)
    {
        var metricsPort = FreePort.Next();
        var environment = (settings ?? new Dictionary<string, string?>())
            .ToDictionary(s => "SOCIALCRM__" + s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        return Start(
            ["run", "--kafka", kafka, "--redis", redis, "--port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extraArgs],
            environment, metricsPort);
    }

    /// <summary>GET on the node's metrics port: status and body; null status when nothing answered.</summary>
    public async Task<(HttpStatusCode? Status, string Body)> GetAsync(string path)
    {
        var port = MetricsPort ?? throw new InvalidOperationException("Started without a known metrics port.");
        try
        {
            using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}")).ConfigureAwait(false);
            return (response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (null, "");
        }
    }

    /// <summary>Waits until /health/ready answers 200; throws with the output when the process exits or time runs out.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"socialcrm exited with {ExitCode} before it was ready:{Environment.NewLine}{Output}");
            }
            if ((await GetAsync("/health/ready").ConfigureAwait(false)).Status == HttpStatusCode.OK)
            {
                return;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"socialcrm was not ready within {timeout}:{Environment.NewLine}{Output}");
            }
            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; throws with the output when the process exits or time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited || clock.Elapsed > timeout)
            {
                throw new TimeoutException($"socialcrm did not write '{text}' within {timeout} (exited: {HasExited}):{Environment.NewLine}{Output}");
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>The value of a Prometheus sample on /metrics (summed over its label sets), or null when absent.</summary>
    public async Task<double?> MetricAsync(string name)
    {
        var (status, body) = await GetAsync("/metrics").ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            return null;
        }
        var samples = body.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(match => match.Success && match.Groups["name"].Value == name)
            .Select(match => double.Parse(match.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        return samples.Count == 0 ? null : samples.Sum();
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    /// <summary>Sends SIGTERM, as Kubernetes does on every rollout.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the process to exit: its exit code, or null when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGTERM, then the exit code and how long the exit took; null code when it did not exit within <paramref name="timeout"/>.</summary>
    public async Task<(int? ExitCode, TimeSpan Elapsed)> TerminateAndWaitAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        Terminate();
        var code = await WaitForExitAsync(timeout).ConfigureAwait(false);
        return (code, clock.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            // Bounded: a process that logs a flood must not fill the test's memory.
            if (_output.Length < 1_000_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
