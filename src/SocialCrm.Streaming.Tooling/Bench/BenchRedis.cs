using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Redis.Embedded;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// The Redis-protocol server of a benchmark run: a given one (<c>--redis</c>), or Garnet in a child process
/// (this executable's hidden <c>bench garnet</c> command). Out of process, because an in-process Garnet keeps
/// its stores in this process's managed heap and would count as heap of the customer entities.
/// </summary>
public sealed class BenchRedis : IAsyncDisposable
{
    public const string ChildCommandName = "garnet";
    private const string ReadyPrefix = "garnet listening on port ";

    private readonly Process? _child;

    /// <summary>A given server's connection, for what it says of its own processor time.</summary>
    private readonly IConnectionMultiplexer? _given;

    private BenchRedis(string connectionString, string description, Process? child, IConnectionMultiplexer? given = null)
    {
        ConnectionString = connectionString;
        Description = description;
        _child = child;
        _given = given;
    }

    public string ConnectionString { get; }
    public string Description { get; }
    public bool IsOwned => _child is not null;

    /// <summary>Processor time the Garnet child has used so far; null for a given server.</summary>
    public TimeSpan? ProcessorTime
    {
        get
        {
            _child?.Refresh();
            return _child?.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Processor time the server has used so far: the Garnet child's, or what a given server reports of itself
    /// (<c>INFO cpu</c>: used_cpu_sys + used_cpu_user, summed over its primaries; whatever other clients made it do
    /// counts too); null when a given server does not report it.
    /// </summary>
    public TimeSpan? ServerProcessorTime => _given is null ? ProcessorTime : ReportedProcessorTime(_given);

    public static async Task<BenchRedis> GivenAsync(string configuration)
    {
        // INFO is an admin command to the client (it only reads): this connection asks nothing else.
        var options = ConfigurationOptions.Parse(configuration);
        options.AllowAdmin = true;
        return new(configuration, "given Redis (--redis)", null, await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false));
    }

    private static TimeSpan? ReportedProcessorTime(IConnectionMultiplexer connection)
    {
        var seconds = 0.0;
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica))
        {
            var cpu = server.Info("cpu").SelectMany(section => section).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
            if (!(cpu.TryGetValue("used_cpu_sys", out var system) && cpu.TryGetValue("used_cpu_user", out var user)))
            {
                return null;
            }
            seconds += double.Parse(system, CultureInfo.InvariantCulture) + double.Parse(user, CultureInfo.InvariantCulture);
        }
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Starts Garnet in a child process and waits until it listens.</summary>
    public static async Task<BenchRedis> StartGarnetAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this executable is unknown");
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as `dotnet socialcrm.dll`: the child needs the assembly too.
            start.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("the path of the entry assembly is unknown"));
        }
        start.ArgumentList.Add(BenchCommand.Name);
        start.ArgumentList.Add(ChildCommandName);
        var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (await child.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                {
                    var port = int.Parse(line[ReadyPrefix.Length..], CultureInfo.InvariantCulture);
                    // Whatever else it prints is read and dropped, so a full pipe never blocks it.
                    _ = child.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return new BenchRedis($"127.0.0.1:{port},allowAdmin=true,abortConnect=false", "Garnet in a child process", child);
                }
            }
            throw new InvalidOperationException("the Garnet child process exited before listening (its errors are above)");
        }
        catch
        {
            child.Kill(entireProcessTree: true);
            child.Dispose();
            throw;
        }
    }

    /// <summary>Deletes what a run wrote under <paramref name="keyPrefix"/> (only needed on a given server).</summary>
    public async Task DeleteKeysAsync(string keyPrefix)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString).ConfigureAwait(false);
        var database = connection.GetDatabase();
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica))
        {
            // One DEL per key, pipelined: a DEL of many keys fails on a Redis Cluster when they are in different slots.
            var deletes = new List<Task>(1_000);
            await foreach (var key in server.KeysAsync(pattern: keyPrefix + ":*", pageSize: 1_000).ConfigureAwait(false))
            {
                deletes.Add(database.KeyDeleteAsync(key));
                if (deletes.Count == 1_000)
                {
                    await Task.WhenAll(deletes).ConfigureAwait(false);
                    deletes.Clear();
                }
            }
            await Task.WhenAll(deletes).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_given is not null)
        {
            await _given.DisposeAsync().ConfigureAwait(false);
        }
        if (_child is null)
        {
            return;
        }
        // Closing its input is the child's signal to stop; it is killed if it does not.
        _child.StandardInput.Close();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _child.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _child.Kill(entireProcessTree: true);
        }
        _child.Dispose();
    }

    /// <summary>The child's side: Garnet on a free loopback port until this process's input closes (the parent stopped or died).</summary>
    public static Command CreateChildCommand()
    {
        var command = new Command(ChildCommandName, "Serve Garnet for a benchmark run (started by bench itself)") { Hidden = true };
        command.SetAction((_, cancellationToken) => CommandRunner.Guard(async () =>
        {
            using var garnet = EmbeddedGarnet.Start();
            Console.WriteLine(ReadyPrefix + garnet.Port.ToString(CultureInfo.InvariantCulture));
            await Console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
