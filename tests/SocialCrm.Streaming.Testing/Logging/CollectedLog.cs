using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SocialCrm.Streaming.Testing.Logging;

/// <summary>Every line a host logs, as its console would print it (category, message, exception), for tests that read the log.</summary>
public sealed class CollectedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Collector(categoryName, _lines);

    /// <summary>The lines that hold one of <paramref name="ids"/> as a word, as it is or URL-encoded (as in an actor's path).</summary>
    public IReadOnlyList<string> LinesNaming(IReadOnlySet<string> ids) => LinesNaming(_lines, ids);

    /// <inheritdoc cref="LinesNaming(IReadOnlySet{string})"/>
    public static IReadOnlyList<string> LinesNaming(IEnumerable<string> lines, IReadOnlySet<string> ids) =>
        [.. lines.Where(line => Uri.UnescapeDataString(line).Split(WordBreaks, StringSplitOptions.RemoveEmptyEntries)
            .Any(word => ids.Contains(word.TrimEnd('.', ',', ';'))))];

    private static readonly char[] WordBreaks = [' ', '\t', '\n', '[', ']', '(', ')', '/', '"', '\'', '=', '#'];

    public void Dispose()
    {
    }

    private sealed class Collector(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}
