using System.Globalization;
using System.Xml.Linq;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// The figures of a run as one SVG picture (plain SVG, no library): throughput per phase against the baseline's
/// half, p50/p99/p99.9 of each latency run against the 25 ms budget, and each target met or not.
/// </summary>
public static class BenchChart
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private const int Width = 1280;
    private const int LabelWidth = 300;
    private const int BarWidth = 380;
    private const int RowHeight = 26;
    private const string Font = "font-family:system-ui,sans-serif;font-size:13px";
    private const string Baseline = "#9ca3af";
    private const string Measured = "#2563eb";
    private const string Met = "#16a34a";
    private const string NotMet = "#dc2626";

    /// <summary>Where the picture goes: beside the JSON of <c>--out</c>, same name, <c>.svg</c>.</summary>
    public static FileInfo PathBeside(FileInfo json)
    {
        var svg = Path.ChangeExtension(json.FullName, ".svg");
        return new FileInfo(svg == json.FullName ? json.FullName + ".svg" : svg);
    }

    public static async Task WriteAsync(BenchResult result, FileInfo file, CancellationToken cancellationToken)
    {
        await using var stream = file.Create();
        await Render(result).SaveAsync(stream, SaveOptions.None, cancellationToken).ConfigureAwait(false);
    }

    public static XDocument Render(BenchResult result)
    {
        var body = new List<XElement>();
        var y = 30;
        body.Add(Text(16, y, $"socialcrm bench ({result.Mode}): throughput and p99 per phase", "font-size:18px;font-weight:600"));
        y += 20;
        body.Add(Text(16, y, $"{result.Machine.Processors} processors, {result.Machine.Runtime}; Kafka: {result.Machine.Kafka}; Redis: {result.Machine.Redis}", "fill:#4b5563"));
        y += 36;

        var t = result.Throughput;
        var throughput = new List<(string Label, double Value, string Colour)>
        {
            ("baseline: raw consume + parse (best pass)", t.Baseline.PerSecond, Baseline),
            ("full pipeline", t.Pipeline.PerSecond, BenchTargets.RatioMet(t) ? Met : NotMet),
        };
        foreach (var s in result.Scale)
        {
            throughput.Add(($"activation, {s.Customers:N0} customers", s.Activation.PerSecond, BenchTargets.ActivationMet(s) ? Met : NotMet));
            throughput.Add(($"steady, {s.Customers:N0} customers", s.Steady.PerSecond, Measured));
        }
        body.Add(Text(16, y, $"Throughput, records/s (pipeline/baseline {t.Ratio.ToString("F2", CultureInfo.InvariantCulture)}; dashed: half the baseline, the target)", "font-weight:600"));
        y += 12;
        y = Bars(body, y, throughput.Select(r => (r.Label, r.Value, r.Colour, N(r.Value))).ToList(), t.Baseline.PerSecond / 2, "0.5 × baseline");

        foreach (var l in result.Latency)
        {
            y += 24;
            body.Add(Text(16, y, $"Latency at {N(l.OfferedPerSecond)}/s ({l.RateBasis}), ms from Kafka append to effects written", "font-weight:600"));
            y += 18;
            body.Add(Text(16, y, "bar: p99, green within 25 ms or within 10 ms of the raw loop's; ticks: p50 and p99.9; dashed: the 25 ms budget", "fill:#4b5563"));
            y += 12;
            y = Bars(body, y,
                [
                    ("full pipeline p99", l.Pipeline.P99Ms, BenchTargets.LatencyMet(l) ? Met : NotMet, Ms(l.Pipeline)),
                    ("raw consume + parse p99 (the floor)", l.RawConsume.P99Ms, Baseline, Ms(l.RawConsume)),
                ],
                BenchTargets.LatencyBudgetMs, "25 ms", [(l.Pipeline.P50Ms, l.Pipeline.P999Ms), (l.RawConsume.P50Ms, l.RawConsume.P999Ms)]);
        }

        y += 24;
        body.Add(Text(16, y, "Targets", "font-weight:600"));
        y += 8;
        foreach (var target in result.Targets)
        {
            y += RowHeight;
            var (colour, verdict) = target.Met switch
            {
                true => (Met, "met"),
                false => (NotMet, "NOT MET"),
                null => (Baseline, "not measured"),
            };
            body.Add(new XElement(Svg + "circle", new XAttribute("cx", 24), new XAttribute("cy", y - 5), new XAttribute("r", 6), new XAttribute("fill", colour)));
            body.Add(Text(38, y, $"{target.Name}: {target.Actual} (target {target.Target}) {verdict}"));
        }
        y += 24;

        return new XDocument(new XElement(Svg + "svg",
            new XAttribute("width", Width), new XAttribute("height", y), new XAttribute("viewBox", $"0 0 {Width} {y}"),
            new XAttribute("style", Font),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")),
            body));
    }

    /// <summary>One labelled bar per row on a shared scale, a dashed reference line, optional (low, high) ticks per row; returns the next y.</summary>
    private static int Bars(List<XElement> body, int y, IReadOnlyList<(string Label, double Value, string Colour, string Caption)> rows,
        double reference, string referenceLabel, IReadOnlyList<(double Low, double High)>? ticks = null)
    {
        var max = Math.Max(reference, rows.Max(r => r.Value));
        if (ticks is not null)
        {
            max = Math.Max(max, ticks.Max(t => t.High));
        }
        max = max > 0 ? max * 1.05 : 1;
        double X(double value) => LabelWidth + BarWidth * Math.Clamp(value / max, 0, 1);
        var top = y + 6;
        for (var i = 0; i < rows.Count; i++)
        {
            y += RowHeight;
            var (label, value, colour, caption) = rows[i];
            body.Add(Text(LabelWidth - 8, y, label, "text-anchor:end"));
            body.Add(new XElement(Svg + "rect", new XAttribute("x", LabelWidth), new XAttribute("y", y - 14),
                new XAttribute("width", F(X(value) - LabelWidth)), new XAttribute("height", 18), new XAttribute("fill", colour)));
            if (ticks is not null)
            {
                foreach (var tick in new[] { ticks[i].Low, ticks[i].High })
                {
                    body.Add(Line(X(tick), y - 17, X(tick), y + 7, "#111827", null));
                }
            }
            body.Add(Text((int)X(ticks is null ? value : Math.Max(value, ticks[i].High)) + 6, y, caption));
        }
        var at = X(reference);
        body.Add(Line(at, top, at, y + 8, "#111827", "5,4"));
        body.Add(Text((int)at + 4, y + 22, referenceLabel, "fill:#4b5563"));
        return y + 22;
    }

    private static XElement Text(int x, int y, string text, string? style = null)
    {
        var element = new XElement(Svg + "text", new XAttribute("x", x), new XAttribute("y", y), text);
        if (style is not null)
        {
            element.Add(new XAttribute("style", style));
        }
        return element;
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string colour, string? dash)
    {
        var line = new XElement(Svg + "line", new XAttribute("x1", F(x1)), new XAttribute("y1", F(y1)), new XAttribute("x2", F(x2)),
            new XAttribute("y2", F(y2)), new XAttribute("stroke", colour), new XAttribute("stroke-width", 1.5));
        if (dash is not null)
        {
            line.Add(new XAttribute("stroke-dasharray", dash));
        }
        return line;
    }

    private static string Ms(LatencyPercentiles p) =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {p.P50Ms:F1} · p99 {p.P99Ms:F1} · p99.9 {p.P999Ms:F1} ms");

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
}
