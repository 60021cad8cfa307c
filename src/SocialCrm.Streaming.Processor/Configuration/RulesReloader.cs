using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Cluster.Rules;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Host.Observability;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>Where a running node gets its rules again: the settings file it watches and how it binds them.</summary>
/// <param name="SettingsFile">The file to watch (the one given with <c>--config</c>, or appsettings.json beside the executable).</param>
/// <param name="Load">Binds and validates the Rules section as at start-up; throws <see cref="ConfigurationException"/>.</param>
public sealed record RulesSource(string SettingsFile, Func<RulesOptions> Load);

/// <summary>
/// Applies a changed Rules section to a running node. The settings file's content is compared every
/// <see cref="Interval"/> (content, not timestamps: a Kubernetes ConfigMap changes by swapping a symlinked
/// directory, which neither file events nor modification times of the file's own path reliably show). A change is
/// bound and validated as at start-up; a bad one (invalid JSON, a setting out of range) is refused with the start-up
/// messages, logged and counted, and the rules in force stay. Only the Rules section is live: other settings need
/// a restart. Nodes that mount the same file apply the same <see cref="RulesVersion"/> (a content hash).
/// </summary>
public sealed class RulesReloader : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly RulesSource _source;
    private readonly LiveRules _live;
    private readonly RulesMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private string? _lastContent;
    private Task _loop = Task.CompletedTask;

    public RulesReloader(RulesSource source, LiveRules live, RulesMetrics metrics, ILogger logger)
    {
        _source = source;
        _live = live;
        _metrics = metrics;
        _logger = logger;
        // Read when the node is built, just after its rules were bound: a change while the node starts is still seen.
        _lastContent = ContentHash();
    }

    public void Start() => _loop = WatchAsync(_stop.Token);

    private async Task WatchAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var content = ContentHash();
                if (content is not null && content != _lastContent)
                {
                    _lastContent = content;
                    TryApply();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: nothing is half applied (a change is one reference swap).
        }
    }

    /// <summary>Loads, validates and applies the rules of the settings file; false when refused or unchanged.</summary>
    public bool TryApply()
    {
        var current = _live.Current.Version;
        AppliedRules next;
        try
        {
            next = AppliedRules.Of(_source.Load());
        }
        catch (ConfigurationException ex)
        {
            Refuse(current, ex.Message);
            return false;
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            // A file read while the kubelet swaps it (IOException), or a value that does not parse: refused like a bad rule.
            Refuse(current, ex.Message);
            return false;
        }
        if (next.Version == current)
        {
            _logger.LogInformation("{File} changed; its rules are the ones in force ({Version})", _source.SettingsFile, current);
            return false;
        }
        _live.Replace(next);
        _metrics.Applied(next.Version);
        _logger.LogInformation("Rules {Version} applied from {File} (were {Previous})", next.Version, _source.SettingsFile, current);
        return true;
    }

    private void Refuse(string current, string message)
    {
        _metrics.Refused();
        _logger.LogWarning("Rules change in {File} refused; rules {Version} stay in force. {Errors}", _source.SettingsFile, current, message);
    }

    /// <summary>The hash of the file's bytes (following symlinks), empty when it is absent, null when it cannot be read now.</summary>
    private string? ContentHash()
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(_source.SettingsFile)));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
