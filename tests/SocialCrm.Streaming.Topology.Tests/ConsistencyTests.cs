using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Kafka.Topology;
using SocialCrm.Streaming.Redis.State;

namespace SocialCrm.Streaming.Topology.Tests;

/// <summary>Code and configuration take topic names from topology/, and follow topology/redis-keys.md.</summary>
public sealed partial class ConsistencyTests
{
    [GeneratedRegex("\"((?:social|crm)\\.[a-z0-9._-]+)\"")]
    private static partial Regex TopicLiteral();

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Repo.Src, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>
    /// Every topic-like string literal in src/ (C# and JSON configuration) is a topic of topics.json:
    /// a renamed topic can't survive in code. (Code should not spell topic names at all: it reads TopicCatalog.)
    /// </summary>
    [Fact]
    public void Topic_names_in_code_and_configuration_are_topics_of_topology()
    {
        var catalog = TopicCatalog.Load(Repo.TopicsJson);
        var unknown = new List<string>();
        foreach (var file in SourceFiles())
        {
            foreach (Match match in TopicLiteral().Matches(File.ReadAllText(file)))
            {
                var name = match.Groups[1].Value;
                if (catalog.Find(name) is null && !name.EndsWith(".json", StringComparison.Ordinal))
                {
                    unknown.Add($"{Path.GetRelativePath(Repo.Root, file)}: \"{name}\"");
                }
            }
        }
        Assert.True(unknown.Count == 0, "Topic names not in topology/topics.json: " + string.Join(", ", unknown));
    }

    [Fact]
    public void Host_copies_topology_next_to_the_executable()
    {
        var project = File.ReadAllText(Path.Combine(Repo.Src, "SocialCrm.Streaming.Host", "SocialCrm.Streaming.Host.csproj"));
        Assert.Contains("../../topology/**", project, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "topology", "topics.json")),
            "topology/topics.json is not in the output folder of a project referencing the Host");
    }

    [Fact]
    public void Redis_keys_follow_the_key_contract()
    {
        var contract = File.ReadAllText(Path.Combine(Repo.Topology, "redis-keys.md"));
        var keys = new RedisKeys("scrm");
        var customer = EntityId.ForCustomer("{brand}", "{id}");
        string[] produced =
        [
            keys.Customer(customer), keys.Timeline(customer), keys.Alerts("{brand}"), keys.Triggers("{brand}"), keys.LiveChannel("{brand}"),
            keys.Risk("{brand}"), keys.Advocates("{brand}"), keys.Volume("{brand}", "{yyyyMMddHHmm}"), keys.SignalSeen("{brand}", "{signalId}"),
            keys.Fence("{brand}", 7).Replace(":7", ":{partition}", StringComparison.Ordinal),
        ];
        foreach (var key in produced)
        {
            // The brand in literal braces: a Redis Cluster hash tag, so a flush's keys share one slot.
            Assert.StartsWith("scrm:{{brand}}:", key, StringComparison.Ordinal);
            Assert.Contains($"| `{key}` |", contract, StringComparison.Ordinal);
        }
        // The erasure marker's {hash}: the first 16 bytes of SHA-256 of the entity id, in lower-case hex.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(customer.Value))[..16]);
        Assert.Equal("scrm:{{brand}}:erased:" + hash, keys.ErasureMarker(customer));
        Assert.Contains("| `scrm:{{brand}}:erased:{hash}` |", contract, StringComparison.Ordinal);
        Assert.Contains($"| `{keys.Brands}` |", contract, StringComparison.Ordinal);
        Assert.Contains($"| `{keys.PartitionEpochs}` |", contract, StringComparison.Ordinal);
        Assert.Equal("scrm", new RedisStoreOptions().KeyPrefix);

        // The care console's keys: the brand as a Redis Cluster hash tag.
        var cases = new SocialCrm.Streaming.CareConsole.Cases.CaseKeys("scrm");
        foreach (var key in new[] { cases.Case("{brand}", "{signalId}"), cases.Audit("{brand}", "{signalId}"), cases.Index("{brand}"), cases.LiveChannel("{brand}") })
        {
            Assert.StartsWith("scrm:{{brand}}:", key, StringComparison.Ordinal);
            Assert.Contains($"| `{key}` |", contract, StringComparison.Ordinal);
        }
    }
}
