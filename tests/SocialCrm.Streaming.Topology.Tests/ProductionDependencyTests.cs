using System.Text.Json;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>
/// The processor's libraries (what <c>socialcrm run</c> needs) stay free of the demo's and the bench's parts: no
/// Garnet, and none of the Azure storage and MSAL packages Garnet brings, in their
/// <c>dotnet list package --include-transitive</c>. Those belong to SocialCrm.Streaming.Embedded and Tooling.
/// </summary>
public sealed class ProductionDependencyTests
{
    public static TheoryData<string> ProcessorProjects => new()
    {
        "SocialCrm.Streaming.Domain",
        "SocialCrm.Streaming.Kafka",
        "SocialCrm.Streaming.Redis",
        "SocialCrm.Streaming.Cluster",
        "SocialCrm.Streaming.Processor",
    };

    [Theory]
    [MemberData(nameof(ProcessorProjects))]
    public void A_processor_project_has_no_Garnet_Azure_or_MSAL_package(string project)
    {
        var forbidden = Packages(project).Where(IsDemoOnly).ToList();
        Assert.True(forbidden.Count == 0, $"{project} depends on {string.Join(", ", forbidden)}");
    }

    [Fact]
    public void The_check_sees_Garnet_and_its_Azure_and_MSAL_packages_where_they_are()
    {
        var forbidden = Packages("SocialCrm.Streaming.Embedded").Where(IsDemoOnly).ToList();
        Assert.Contains("Microsoft.Garnet", forbidden);
        Assert.Contains(forbidden, id => id.StartsWith("Azure.", StringComparison.Ordinal));
        Assert.Contains("Microsoft.Identity.Client", forbidden);
    }

    [Fact]
    public void The_processor_lists_its_transitive_packages()
    {
        var packages = Packages("SocialCrm.Streaming.Processor");
        Assert.Contains("Akka.Cluster.Sharding", packages);
        Assert.Contains("Confluent.Kafka", packages);
        Assert.Contains("StackExchange.Redis", packages);
    }

    private static bool IsDemoOnly(string id) =>
        id.Contains("Garnet", StringComparison.OrdinalIgnoreCase)
        || id.StartsWith("Azure.", StringComparison.OrdinalIgnoreCase)
        || id.StartsWith("Microsoft.Identity.Client", StringComparison.OrdinalIgnoreCase);

    /// <summary>Top-level and transitive package ids, as <c>dotnet list package --include-transitive</c> reports them.</summary>
    private static List<string> Packages(string project)
    {
        var path = Path.Combine(Repo.Src, project, project + ".csproj");
        var listing = Tool.Run("dotnet", ["list", path, "package", "--include-transitive", "--format", "json"], timeout: TimeSpan.FromMinutes(2));
        Assert.True(listing.ExitCode == 0, listing.Output + listing.Error);
        using var json = JsonDocument.Parse(listing.Output);
        var ids = new List<string>();
        foreach (var framework in json.RootElement.GetProperty("projects").EnumerateArray().SelectMany(p => p.GetProperty("frameworks").EnumerateArray()))
        {
            foreach (var kind in new[] { "topLevelPackages", "transitivePackages" })
            {
                if (framework.TryGetProperty(kind, out var packages))
                {
                    ids.AddRange(packages.EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
                }
            }
        }
        return ids;
    }
}
