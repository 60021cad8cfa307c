using System.Diagnostics;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// What the container image (src/SocialCrm.Streaming.Host/Dockerfile) can be checked for without its base images,
/// which come from a registry this machine cannot reach: the Dockerfile's publish command, and the published
/// <c>socialcrm</c> apphost started the way the image's entry point starts it — from another directory and, when the
/// test runs as root, as the StatefulSet's non-root user (uid and gid 10001).
/// </summary>
public sealed class PublishedEntryPointTests : IDisposable
{
    private const int ImageUser = 10001;
    private readonly string _app = Path.Combine(Path.GetTempPath(), $"socialcrm-publish-{Guid.NewGuid():N}");

    [Fact]
    public void The_published_apphost_runs_as_the_images_entry_point()
    {
        var publish = Tool.Run("dotnet",
            ["publish", "src/SocialCrm.Streaming.Host/SocialCrm.Streaming.Host.csproj", "--no-restore", "-c", "Release", "-o", _app],
            timeout: TimeSpan.FromMinutes(5));
        Assert.True(publish.ExitCode == 0, publish.Output + publish.Error);
        var dockerfile = File.ReadAllText(Path.Combine(Repo.Src, "SocialCrm.Streaming.Host", "Dockerfile"));
        Assert.Contains("RUN dotnet publish src/SocialCrm.Streaming.Host/SocialCrm.Streaming.Host.csproj --no-restore -c Release -o /app", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"/app/socialcrm\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"USER {ImageUser}:{ImageUser}", dockerfile, StringComparison.Ordinal);

        var help = Start("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("run ", help.Output, StringComparison.Ordinal);

        // The image has no repository around it: the topics come from topology/ beside the executable.
        var topics = Start("topology", "render", "--format", "strimzi");
        Assert.True(topics.ExitCode == 0, topics.Error);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.K8s, "topics", "kafka-topics.yaml")), topics.Output);
    }

    private Tool.Result Start(params string[] args)
    {
        var asImageUser = Environment.UserName == "root" && Tool.Find("setpriv") is not null;
        var start = new ProcessStartInfo(asImageUser ? "setpriv" : Path.Combine(_app, "socialcrm"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/",
        };
        if (asImageUser)
        {
            foreach (var arg in new[] { $"--reuid={ImageUser}", $"--regid={ImageUser}", "--clear-groups", Path.Combine(_app, "socialcrm") }) start.ArgumentList.Add(arg);
        }
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // The runtime this test runs on, as the image's own is found at /usr/share/dotnet.
        start.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"socialcrm {string.Join(' ', args)} did not finish in time");
        }
        return new Tool.Result(process.ExitCode, output.Result, error.Result);
    }

    public void Dispose()
    {
        if (Directory.Exists(_app))
        {
            Directory.Delete(_app, recursive: true);
        }
    }
}
