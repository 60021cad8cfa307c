using System.Diagnostics;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>Paths of the repository this test runs from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Topology => Path.Combine(Root, "topology");

    public static string TopicsJson => Path.Combine(Topology, "topics.json");

    public static string Schemas => Path.Combine(Topology, "schemas");

    public static string Examples => Path.Combine(Topology, "examples");

    public static string K8s => Path.Combine(Root, "k8s");

    public static string Src => Path.Combine(Root, "src");

    public static string Schema(string name) => Path.Combine(Schemas, name + ".schema.json");

    public static string Example(string name) => File.ReadAllText(Path.Combine(Examples, name + ".json"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SocialCrm.Streaming.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("SocialCrm.Streaming.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Runs an external program with a time limit; null when it is not installed.</summary>
public static class Tool
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public static Result Run(string program, IEnumerable<string> arguments, string? standardInput = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in time");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    public static bool PythonHasJsonSchema { get; } = DetectPythonJsonSchema();

    private static bool DetectPythonJsonSchema()
    {
        if (Find("python3") is not { } python)
        {
            return false;
        }
        try
        {
            return Run(python, ["-c", "import jsonschema; jsonschema.Draft202012Validator"], timeout: TimeSpan.FromSeconds(30)).ExitCode == 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A fact that is skipped, with the reason shown, when kubectl is not on PATH.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Tool.Find("kubectl") is null)
        {
            Skip = "kubectl is not installed (not on PATH): the kustomize rendering of k8s/ is not checked";
        }
    }
}

/// <summary>A fact that is skipped, with the reason shown, when python3 with the jsonschema package is missing.</summary>
public sealed class PythonJsonSchemaFactAttribute : FactAttribute
{
    public PythonJsonSchemaFactAttribute()
    {
        if (!Tool.PythonHasJsonSchema)
        {
            Skip = "python3 with the jsonschema package is not installed: the cross-check against a second validator is not run";
        }
    }
}

/// <summary>
/// A fact that needs promtool (Debian package prometheus): skipped, with the reason shown, when it is
/// missing on a developer's machine, but run (and failing) in CI (CI=true), which installs it.
/// </summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (Tool.Find("promtool") is null && System.Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "promtool is not installed (Debian: apt-get install prometheus): the alert rules are not checked";
        }
    }
}
