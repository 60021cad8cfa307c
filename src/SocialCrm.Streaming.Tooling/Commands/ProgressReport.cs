using System.Diagnostics;
using System.Globalization;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>
/// Progress of a long batch command on standard error, once a second: one status line rewritten in place where a
/// terminal is attached, plain lines ("replay: 120,000 lines, 41,000 lines/s") where standard error is redirected
/// (logs, CI). A command done within the first second prints nothing.
/// </summary>
public sealed class ProgressReport : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly string _label;
    private readonly string _unit;
    private readonly Func<long> _count;
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private bool _reported;
    private bool _stopped;

    public ProgressReport(string label, string unit, Func<long> count)
    {
        _label = label;
        _unit = unit;
        _count = count;
        _timer = new Timer(_ => Report(final: false), null, Interval, Interval);
    }

    private void Report(bool final)
    {
        lock (_gate)
        {
            if (_stopped || (final && !_reported))
            {
                return;
            }
            var count = _count();
            var seconds = _elapsed.Elapsed.TotalSeconds;
            var line = final
                ? string.Create(CultureInfo.InvariantCulture, $"{_label}: {count:N0} {_unit} in {seconds:0.0} s ({count / seconds:N0} {_unit}/s)")
                : string.Create(CultureInfo.InvariantCulture, $"{_label}: {count:N0} {_unit}, {count / seconds:N0} {_unit}/s");
            if (_terminal)
            {
                // Carriage return and erase-to-end-of-line: the status stays on one line until the final one ends it.
                Console.Error.Write($"\r{line}\u001b[K{(final ? Environment.NewLine : "")}");
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
        Report(final: true);
        lock (_gate)
        {
            _stopped = true;
        }
    }
}
