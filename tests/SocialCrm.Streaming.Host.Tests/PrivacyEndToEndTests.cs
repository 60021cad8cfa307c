using System.Text;
using System.Text.Json.Nodes;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Privacy;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Mentions full of identifiers, from an influencer prospect and from a consenting customer who is about to leave, through
/// a real node (mock Kafka cluster, Redis or Garnet) with authors pseudonymised: an alert and a trigger come out, and no
/// e-mail address, phone, card number, IBAN, author id or handle is anywhere in Redis or on the output topics.
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed class PrivacyEndToEndTests(RedisServersFixture servers, MockKafkaFixture kafka, ITestOutputHelper output) : IClassFixture<MockKafkaFixture>
{
    private const string Key = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
    private const string Identifiers = " Mail jo.star@example.com or ｊｏ＠例え.jp, call +44 20 7946 0958, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00.";
    private static readonly string[] Forbidden =
        ["jo_star", "jo.star@example.com", "例え", "7946 0958", "4111 1111", "4111111111111111", "DE89 3704", "0532 0130", "status/1790"];

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Nothing_that_names_a_person_reaches_Redis_or_the_output_topics(string server)
    {
        var scenario = ProcessorScenario.Create(kafka, servers.Get(server), 1); // one partition: every partition has records to commit
        var now = DateTimeOffset.UtcNow.AddHours(-6);
        var mentions = new List<(string? Key, byte[] Value)>
        {
            Mention("acme:x:jo_star", "p1", now, """{"id":"jo_star","handle":"@jo_star","followers":1200000,"verified":true}""", null,
                "@acme your update deleted all my photos. Worst service ever, absolutely disgusting." + Identifiers),
        };
        var texts = new[]
        {
            "My internet is down again, this is unacceptable.", "Still waiting for a technician. Terrible service.",
            "Refund now, worst company ever.", "I'm going to cancel my subscription and switch to another provider",
        };
        for (var i = 0; i < texts.Length; i++)
        {
            mentions.Add(Mention("acme:C-7", $"c{i}", now.AddHours(i + 1), """{"id":"cust_author_7"}""", "C-7", texts[i] + Identifiers));
        }
        kafka.Produce(scenario.Topics.Profiles, [("acme:C-7", """{"valueTier":"gold","clv":900,"consent":{"processing":true}}"""u8.ToArray())]);
        await Task.Delay(500); // the profile first, as a CRM that knows the customer would have sent it long before
        kafka.Produce(scenario.Topics.Mentions, mentions);

        var options = scenario.Options();
        options.Privacy.PseudonymKey = Key;
        options.Privacy.PseudonymiseAuthors = true;
        await using (var node = scenario.StartNode(options))
        {
            await node.StartAsync();
            await scenario.WaitUntilCommittedAtLogEndAsync(TimeSpan.FromSeconds(90));
            await node.StopAsync();
        }

        var redis = await DumpRedisAsync(scenario);
        var alerts = kafka.ReadAll(scenario.Topics.CrisisAlerts, 1, TimeSpan.FromSeconds(5));
        var triggers = kafka.ReadAll(scenario.Topics.LifecycleTriggers, 1, TimeSpan.FromSeconds(5));
        var topics = string.Join('\n', alerts.Concat(triggers).Select(r => (r.Key is null ? "" : Encoding.UTF8.GetString(r.Key)) + " " + Encoding.UTF8.GetString(r.Value)));
        output.WriteLine($"{server}: {alerts.Count} alert(s), {triggers.Count} trigger(s)\n{topics}");

        Assert.NotEmpty(alerts);
        Assert.NotEmpty(triggers);
        var pseudonym = new Pseudonymizer(Convert.FromBase64String(Key)).AuthorId(Platform.X, "jo_star");
        Assert.Contains(pseudonym, redis, StringComparison.Ordinal);
        Assert.Contains(pseudonym, topics, StringComparison.Ordinal);
        Assert.Contains("[email]", topics, StringComparison.Ordinal);
        Assert.Contains("[card]", redis, StringComparison.Ordinal);
        foreach (var value in Forbidden)
        {
            Assert.False(redis.Contains(value, StringComparison.Ordinal), $"Redis holds '{value}'");
            Assert.False(topics.Contains(value, StringComparison.Ordinal), $"an output topic holds '{value}'");
        }
    }

    private static (string? Key, byte[] Value) Mention(string key, string id, DateTimeOffset at, string author, string? customerId, string text)
    {
        var mention = new JsonObject
        {
            ["id"] = id,
            ["platform"] = "x",
            ["brand"] = "acme",
            ["author"] = JsonNode.Parse(author),
            ["createdAt"] = at.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["text"] = text,
        };
        if (customerId is not null)
        {
            mention["customerId"] = customerId;
        }
        else
        {
            mention["url"] = $"https://x.com/jo_star/status/1790{id}";
        }
        return (key, Encoding.UTF8.GetBytes(mention.ToJsonString()));
    }

    /// <summary>Every key of the scenario and every value under it, as text.</summary>
    private static async Task<string> DumpRedisAsync(ProcessorScenario scenario)
    {
        using var connection = scenario.Redis.Connect();
        var database = connection.GetDatabase();
        var dump = new StringBuilder();
        foreach (var key in connection.GetServers()[0].Keys(pattern: scenario.KeyPrefix + ":*", pageSize: 1000))
        {
            dump.Append(key).Append(" =");
            var type = await database.KeyTypeAsync(key);
            IEnumerable<string?> values = type switch
            {
                RedisType.String => [(string?)await database.StringGetAsync(key)],
                RedisType.Hash => (await database.HashGetAllAsync(key)).SelectMany(e => new[] { (string?)e.Name, (string?)e.Value }),
                RedisType.List => (await database.ListRangeAsync(key)).Select(v => (string?)v),
                RedisType.Set => (await database.SetMembersAsync(key)).Select(v => (string?)v),
                RedisType.SortedSet => (await database.SortedSetRangeByRankAsync(key)).Select(v => (string?)v),
                _ => throw new InvalidOperationException($"{key} is a {type}, which the processor does not write"),
            };
            dump.AppendJoin(' ', values).Append('\n');
        }
        return dump.ToString();
    }
}
