using System.Diagnostics;
using System.Globalization;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>
/// Progress of a long batch command on standard error: a <see cref="TerminalProgress"/> display (a bar, with a
/// percentage when the total is known) where a terminal is attached, plain lines once a second ("replay: 120,000
/// lines, 41,000 lines/s") where standard error is redirected (logs, CI). A command done within the first second
/// prints nothing.
/// </summary>
public sealed class ProgressReport : IAsyncDisposable
{
    private static readonly TimeSpan FirstReport = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(1);
    /// <summary>A display that moves smoothly; Spectre redraws it on its own ticks in between.</summary>
    private static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(250);
    private readonly string _label;
    private readonly string _unit;
    private readonly Func<long> _count;
    private readonly long? _total;
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private TerminalProgress? _display;
    private bool _reported;
    private bool _stopped;

    /// <param name="total">How many the command will do, when it knows (generate --count): the display shows a percentage.</param>
    public ProgressReport(string label, string unit, Func<long> count, long? total = null)
    {
        _label = label;
        _unit = unit;
        _count = count;
        _total = total;
        _timer = new Timer(_ => Report(), null, FirstReport, _terminal ? TerminalInterval : LineInterval);
    }

    private void Report()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }
            var count = _count();
            var line = string.Create(CultureInfo.InvariantCulture, $"{_label}: {count:N0} {_unit}, {count / _elapsed.Elapsed.TotalSeconds:N0} {_unit}/s");
            if (_terminal)
            {
                _display ??= new TerminalProgress(line, _total);
                _display.Show(line, count);
            }
            else
            {
                Console.Error.WriteLine(line);
            }
            _reported = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        TerminalProgress? display;
        long count;
        double seconds;
        lock (_gate)
        {
            _stopped = true;
            if (!_reported)
            {
                return;
            }
            display = _display;
            count = _count();
            seconds = _elapsed.Elapsed.TotalSeconds;
        }
        var line = string.Create(CultureInfo.InvariantCulture, $"{_label}: {count:N0} {_unit} in {seconds:0.0} s ({count / seconds:N0} {_unit}/s)");
        if (display is null)
        {
            await Console.Error.WriteLineAsync(line).ConfigureAwait(false);
        }
        else
        {
            await display.FinishAsync(line, count).ConfigureAwait(false);
        }
    }
}
