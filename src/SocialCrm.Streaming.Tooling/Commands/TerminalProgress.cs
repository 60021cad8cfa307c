using Spectre.Console;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>
/// A Spectre.Console progress display on standard error, for a terminal: the status text, a bar with a percentage when
/// the total is known, a pulsing bar when it is not (until Ctrl+C, or the end of standard input).
/// </summary>
internal sealed class TerminalProgress
{
    private readonly TaskCompletionSource<ProgressTask> _task = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _display;

    public TerminalProgress(string status, long? total)
    {
        // Interactive whatever standard input is: replay reads a pipe while standard error is the terminal.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
        ProgressColumn[] columns = total is null
            ? [new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }]
            : [new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn()];
        _display = console.Progress().AutoClear(false).HideCompleted(false).Columns(columns).StartAsync(async context =>
        {
            var task = context.AddTask(Markup.Escape(status), maxValue: Math.Max(total ?? 1, 1));
            task.IsIndeterminate = total is null;
            _task.SetResult(task);
            await _finished.Task.ConfigureAwait(false);
        });
    }

    public void Show(string status, long count)
    {
        if (_task.Task.IsCompletedSuccessfully)
        {
            var task = _task.Task.Result;
            task.Description = Markup.Escape(status);
            task.Value = task.IsIndeterminate ? 0 : Math.Min(count, task.MaxValue);
        }
    }

    /// <summary>Shows the final status and ends the display, leaving its last state on the screen.</summary>
    public async Task FinishAsync(string status, long count)
    {
        var task = await _task.Task.ConfigureAwait(false);
        Show(status, count);
        if (task.IsIndeterminate)
        {
            task.IsIndeterminate = false;
            task.Value = task.MaxValue;
        }
        task.StopTask();
        _finished.SetResult();
        await _display.ConfigureAwait(false);
    }
}
