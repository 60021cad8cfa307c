using System.Text.RegularExpressions;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// A fresh clone explains itself: every relative link of its documents reaches a file in the repository, and no
/// tracked file refers to documents kept outside it (a team folder beside the clone, a design guide it does not hold).
/// </summary>
public sealed partial class RepositoryLinkTests
{
    /// <summary>Inline links and images <c>[text](target "title")</c>, reference definitions, and HTML src/href attributes.</summary>
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)|^\s*\[[^\]]+\]:\s*(?<target>\S+)|(?:src|href)=""(?<target>[^""]+)""", RegexOptions.Multiline)]
    private static partial Regex LinkPattern();

    public static TheoryData<string> Documents => new(DocumentPaths());

    private static IEnumerable<string> DocumentPaths() => TrackedFiles().Where(path => path.EndsWith(".md", StringComparison.OrdinalIgnoreCase));

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_of_a_document_reaches_a_file_in_the_repository(string document)
    {
        var text = File.ReadAllText(Path.Combine(Repo.Root, document));
        var directory = Path.GetDirectoryName(Path.Combine(Repo.Root, document))!;
        var broken = new List<string>();
        foreach (Match match in LinkPattern().Matches(text))
        {
            var target = match.Groups["target"].Value;
            if (target.StartsWith('#') || Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" or "mailto")
            {
                continue;
            }
            var path = Uri.UnescapeDataString(target.Split('#')[0]);
            var resolved = Path.GetFullPath(Path.Combine(directory, path));
            if (!resolved.StartsWith(Repo.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                broken.Add($"{target} (outside the repository)");
            }
            else if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add($"{target} (no such file)");
            }
        }
        Assert.True(broken.Count == 0, $"{document} links to: {string.Join(", ", broken)}");
    }

    [Fact]
    public void The_three_guides_are_among_the_documents_checked()
    {
        var documents = DocumentPaths().ToHashSet();
        Assert.All(new[] { "README.md", "topology/README.md", "k8s/README.md" }, guide => Assert.Contains(guide, documents));
    }

    [Fact]
    public void No_tracked_file_refers_to_documents_outside_the_repository()
    {
        // Spelled in pieces so that this file does not match itself.
        string[] outside = ["../" + "shared", "DESIGN" + ".md"];
        var offenders = new List<string>();
        foreach (var path in TrackedFiles().Where(IsText))
        {
            var text = File.ReadAllText(Path.Combine(Repo.Root, path));
            offenders.AddRange(outside.Where(reference => text.Contains(reference, StringComparison.OrdinalIgnoreCase)).Select(reference => $"{path}: {reference}"));
        }
        Assert.True(offenders.Count == 0, "references outside the repository: " + string.Join("; ", offenders));
    }

    private static bool IsText(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is not (".png" or ".jpg" or ".gif" or ".ico" or ".zip" or ".gz");

    /// <summary>The files a clone has: git's index (a build's bin/ and obj/ are not in it). A deleted but still indexed file is skipped.</summary>
    private static IEnumerable<string> TrackedFiles()
    {
        var git = Tool.Find("git") ?? throw new InvalidOperationException("git is not on PATH: the repository's files cannot be listed");
        var result = Tool.Run(git, ["ls-files", "-z"]);
        Assert.True(result.ExitCode == 0, $"git ls-files failed: {result.Error}");
        return result.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(path => File.Exists(Path.Combine(Repo.Root, path)))
            .Order(StringComparer.Ordinal);
    }
}
