using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary><c>socialcrm bench</c> as a user runs it, at toy sizes: every phase runs, every figure is written, the headline comes last.</summary>
public sealed class BenchCommandTests(ITestOutputHelper output)
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "socialcrm.dll");

    [Fact]
    public async Task A_tiny_run_exits_0_writes_every_figure_as_json_and_prints_the_ratio_last()
    {
        var json = Path.Combine(Path.GetTempPath(), $"socialcrm-bench-{Guid.NewGuid():N}.json");
        var svg = Path.ChangeExtension(json, ".svg");
        try
        {
            var (exitCode, lines) = await RunAsync(TimeSpan.FromMinutes(2),
                "bench", "--mentions", "3000", "--customers", "400", "--scale-customers", "800",
                "--latency-duration", "2s", "--baseline-passes", "1", "--out", json);

            Assert.Equal(0, exitCode);
            Assert.NotEmpty(lines);
            var headline = Regex.Match(lines[^1], @"^pipeline/baseline throughput ratio: (\d+\.\d\d)$");
            Assert.True(headline.Success, $"the last line is '{lines[^1]}'");
            var ratio = headline.Groups[1].Value;

            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = figures.RootElement;
            var throughput = root.GetProperty("throughput");
            Assert.Equal(3000, throughput.GetProperty("baseline").GetProperty("records").GetInt64());
            Assert.Equal(3000, throughput.GetProperty("pipeline").GetProperty("records").GetInt64());
            Assert.True(throughput.GetProperty("pipeline").GetProperty("perSecond").GetDouble() > 0);
            Assert.Equal(ratio, throughput.GetProperty("ratio").GetDouble().ToString("F2", CultureInfo.InvariantCulture));
            // What the JIT compiled while the pipeline was timed (its start-up's code, optimized in the background).
            var pipelineCost = throughput.GetProperty("pipeline").GetProperty("cost");
            Assert.True(pipelineCost.GetProperty("jitMethods").GetInt64() >= 0);
            Assert.True(pipelineCost.GetProperty("jitMilliseconds").GetDouble() >= 0);
            Assert.Contains("Warming up: 3,000 mentions through 2 throw-away nodes in turn...", lines);

            // At half the pipeline's maximum, then at the fixed 5,000/s.
            var latencyRuns = root.GetProperty("latency").EnumerateArray().ToList();
            Assert.Equal(2, latencyRuns.Count);
            Assert.True(latencyRuns[0].GetProperty("offeredPerSecond").GetDouble() > 0);
            Assert.Equal(5_000, latencyRuns[1].GetProperty("offeredPerSecond").GetDouble());
            // Both stages took time in every run: a record waits for its batch and for its customers.
            Assert.All(latencyRuns, run => Assert.True(run.GetProperty("pipelineStages") is var stages
                && stages.GetProperty("waitingForBatchMs").GetDouble() > 0 && stages.GetProperty("withCustomersMs").GetDouble() > 0, run.ToString()));
            foreach (var measured in latencyRuns.SelectMany(run => new[] { run.GetProperty("pipeline"), run.GetProperty("rawConsume") }))
            {
                Assert.True(measured.GetProperty("samples").GetInt64() > 0);
                var p50 = measured.GetProperty("p50Ms").GetDouble();
                var p99 = measured.GetProperty("p99Ms").GetDouble();
                var p999 = measured.GetProperty("p999Ms").GetDouble();
                Assert.True(p50 <= p99 && p99 <= p999 && p999 <= measured.GetProperty("maxMs").GetDouble(), measured.ToString());
            }
            Assert.All(latencyRuns, run => Assert.True(run.GetProperty("longestGcPauseMs").GetDouble() >= 0, run.ToString()));
            // The generation of the longest pause's collection, where one was seen: 0, 1 or 2.
            Assert.All(latencyRuns, run => Assert.True(run.GetProperty("longestGcPauseGeneration") is var generation
                && (generation.ValueKind == JsonValueKind.Null || generation.GetInt32() is >= 0 and <= 2), run.ToString()));
            Assert.Contains(lines, line => line.Contains("longest GC pause ms", StringComparison.Ordinal));

            var scale = Assert.Single(root.GetProperty("scale").EnumerateArray());
            Assert.Equal(800, scale.GetProperty("customers").GetInt32());
            Assert.Equal(800, scale.GetProperty("activeEntities").GetInt64());
            Assert.True(scale.GetProperty("heapBytesPerEntity").GetDouble() > 0);
            // One count: no slope to tell the fixed part from what each entity costs.
            Assert.Equal(JsonValueKind.Null, root.GetProperty("heapGrowth").ValueKind);
            Assert.True(scale.GetProperty("steady").GetProperty("perSecond").GetDouble() > 0);
            Assert.True(scale.GetProperty("longestGcPauseMs").GetDouble() >= 0, scale.ToString());
            var broker = scale.GetProperty("brokerWorkingSetBytes").GetInt64();
            Assert.True(broker > 0 && broker < scale.GetProperty("workingSetBytes").GetInt64(), scale.ToString());
            Assert.Equal(scale.GetProperty("workingSetBytes").GetInt64() - broker, scale.GetProperty("nodeWorkingSetBytes").GetInt64());

            Assert.Equal(9, root.GetProperty("targets").GetArrayLength());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("heapMethod").GetString()));
            Assert.False(string.IsNullOrEmpty(root.GetProperty("brokerMethod").GetString()));

            // The picture beside the JSON: well-formed SVG naming every phase and every target.
            Assert.Contains(lines, line => line.Contains(svg, StringComparison.Ordinal));
            var picture = XDocument.Load(svg);
            XNamespace ns = "http://www.w3.org/2000/svg";
            Assert.Equal(ns + "svg", picture.Root!.Name);
            var texts = picture.Descendants(ns + "text").Select(t => t.Value).ToList();
            foreach (var phase in new[] { "baseline: raw consume + parse (best pass)", "full pipeline", "activation, 800 customers", "steady, 800 customers", "full pipeline p99" })
            {
                Assert.Contains(phase, texts);
            }
            var pipelineRate = throughput.GetProperty("pipeline").GetProperty("perSecond").GetDouble().ToString("N0", CultureInfo.InvariantCulture);
            Assert.Contains(pipelineRate, texts);
            Assert.Equal(9, texts.Count(t => t.EndsWith(" met", StringComparison.Ordinal) || t.EndsWith("NOT MET", StringComparison.Ordinal) || t.EndsWith("not measured", StringComparison.Ordinal)));
            Assert.True(picture.Descendants(ns + "rect").Count() >= 9, "a bar per phase");
        }
        finally
        {
            File.Delete(json);
            File.Delete(svg);
        }
    }

    [Theory]
    [InlineData("--scale-customers", "10000,many")]
    [InlineData("--mentions", "0")]
    [InlineData("--latency-duration", "soon")]
    [InlineData("--new-authors", "1.5")]
    public async Task Bad_usage_exits_2(string option, string value)
    {
        var (exitCode, _) = await RunAsync(TimeSpan.FromMinutes(1), "bench", option, value);
        Assert.Equal(2, exitCode);
    }

    /// <summary>Runs the executable, passing its output through to the test log line by line as it comes.</summary>
    private async Task<(int ExitCode, IReadOnlyList<string> Lines)> RunAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var lines = new List<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }
            lock (lines)
            {
                lines.Add(line.Data);
            }
            output.WriteLine(line.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        await using (deadline.Token.Register(() => process.Kill(entireProcessTree: true)))
        {
            await process.WaitForExitAsync();
        }
        Assert.False(deadline.IsCancellationRequested, $"socialcrm {string.Join(' ', args)} did not finish within {timeout}");
        lock (lines)
        {
            return (process.ExitCode, [.. lines.Where(line => line.Length > 0)]);
        }
    }
}
