using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// Deployments pin the image by the release's version (Directory.Build.props), as the README's <c>docker build</c>
/// tags it: never <c>:latest</c>, which would run whatever was pushed last.
/// </summary>
public sealed partial class ImageTagTests
{
    private static string Version =>
        XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props")).Descendants("Version").Single().Value;

    [GeneratedRegex(@"newTag:\s*""?(?<tag>[^""\s]+)""?")]
    private static partial Regex NewTag();

    [Fact]
    public void No_manifest_uses_the_latest_tag()
    {
        var offenders = Directory.EnumerateFiles(Repo.K8s, "*.yaml", SearchOption.AllDirectories)
            .Where(file => Regex.IsMatch(File.ReadAllText(file), @"(:latest\b|newTag:\s*""?latest)"))
            .Select(file => Path.GetRelativePath(Repo.Root, file))
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void Every_kustomization_tags_the_image_with_the_release_version_the_README_builds()
    {
        var tags = Directory.EnumerateFiles(Repo.K8s, "kustomization.yaml", SearchOption.AllDirectories)
            .SelectMany(file => NewTag().Matches(File.ReadAllText(file)).Select(match => (File: Path.GetRelativePath(Repo.Root, file), Tag: match.Groups["tag"].Value)))
            .ToList();
        Assert.NotEmpty(tags);
        Assert.All(tags, tag => Assert.True(tag.Tag == Version, $"{tag.File}: newTag {tag.Tag}, release {Version}"));
        Assert.Contains($"-t socialcrm:{Version} .", File.ReadAllText(Path.Combine(Repo.Root, "README.md")), StringComparison.Ordinal);
    }

    [KubectlFact]
    public void Every_rendered_overlay_runs_the_release_version()
    {
        foreach (var overlay in Directory.GetDirectories(Path.Combine(Repo.K8s, "overlays")))
        {
            var result = Tool.Run(Tool.Find("kubectl")!, ["kustomize", overlay], timeout: TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 0, result.Error);
            var images = Regex.Matches(result.Output, @"^\s*image:\s*(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(images);
            Assert.All(images, image => Assert.EndsWith(":" + Version, image, StringComparison.Ordinal));
        }
    }
}
