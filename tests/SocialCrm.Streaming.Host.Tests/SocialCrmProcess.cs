using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>The real <c>socialcrm</c> executable, started as a user starts it, with its standard streams redirected.</summary>
public sealed class SocialCrmProcess : IDisposable
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "socialcrm.dll");
    private readonly Process _process;
    private readonly StringBuilder _error = new();
    private readonly Task<string> _output;
    private string? _interruptOnError;

    private SocialCrmProcess(IReadOnlyDictionary<string, string>? environment, string[] args, bool inTerminal = false)
    {
        var start = new ProcessStartInfo(inTerminal ? "script" : "dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (inTerminal)
        {
            // util-linux script: the command's standard streams are a pseudo-terminal, whose output (both streams) script copies to its own.
            start.ArgumentList.Add("--quiet");
            start.ArgumentList.Add("--return");
            start.ArgumentList.Add("--command");
            start.ArgumentList.Add(string.Join(' ', args.Prepend(Executable).Prepend("dotnet").Select(ShellQuote)));
            start.ArgumentList.Add("/dev/null");
            start.Environment["TERM"] = "xterm-256color";
        }
        else
        {
            start.ArgumentList.Add(Executable);
            foreach (var arg in args) start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        _process = Process.Start(start)!;
        _output = _process.StandardOutput.ReadToEndAsync();
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_error) _error.AppendLine(e.Data);
            if (Volatile.Read(ref _interruptOnError) is { } text && e.Data.Contains(text, StringComparison.Ordinal)
                && Interlocked.CompareExchange(ref _interruptOnError, null, text) == text)
            {
                Interrupt();
            }
        };
        _process.BeginErrorReadLine();
    }

    public static SocialCrmProcess Start(params string[] args) => new(null, args);

    public static SocialCrmProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) => new(environment, args);

    /// <summary>Whether util-linux <c>script</c>, which <see cref="StartInTerminal"/> needs, is installed.</summary>
    public static bool CanStartInTerminal =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(directory => File.Exists(Path.Combine(directory, "script")));

    /// <summary>As a user starts it in a terminal: its standard streams are a pseudo-terminal; <see cref="WaitAsync"/>'s Output holds both.</summary>
    public static SocialCrmProcess StartInTerminal(params string[] args) => new(null, args, inTerminal: true);

    private static string ShellQuote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public StreamWriter Input => _process.StandardInput;

    public string Error
    {
        get { lock (_error) return _error.ToString(); }
    }

    /// <summary>Ctrl+C: SIGINT to the process, as a terminal sends it.</summary>
    public void Interrupt()
    {
        if (Kill(_process.Id, SigInt) != 0)
        {
            throw new InvalidOperationException($"kill(SIGINT) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Ctrl+C the moment standard error shows <paramref name="text"/>: as early as a user's key press can come.</summary>
    public void InterruptWhenErrorShows(string text)
    {
        Volatile.Write(ref _interruptOnError, text);
        if (Error.Contains(text, StringComparison.Ordinal) && Interlocked.CompareExchange(ref _interruptOnError, null, text) == text)
        {
            Interrupt();
        }
    }

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Waits until standard error shows <paramref name="text"/>.</summary>
    public async Task WaitForErrorAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Error.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"socialcrm did not write '{text}' to standard error; it wrote: {Error}");
            }
            await Task.Delay(50);
        }
    }

    public async Task<(int ExitCode, string Output, string Error)> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"socialcrm did not finish within {timeout}");
        }
        return (_process.ExitCode, await _output, Error);
    }

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan timeout, params string[] args) =>
        RunAsync(new Dictionary<string, string>(), timeout, args);

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        using var process = Start(environment, args);
        process.Input.Close();
        return await process.WaitAsync(timeout);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
