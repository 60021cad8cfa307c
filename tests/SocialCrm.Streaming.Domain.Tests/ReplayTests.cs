using System.Text;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class ReplayTests(ITestOutputHelper output)
{
    internal static RulesOptions Rules() => new() { Competitors = ["globex"] };

    /// <summary>A mentions.jsonl: calm traffic, a negative burst, an influencer, churners and prospects.</summary>
    internal static string[] MentionsFile()
    {
        var random = new Random(99);
        string[] texts =
        [
            "love my new acme phone", "acme support is terrible, still waiting", "just got the acme update",
            "Where can I buy the acme X2?", "I'm going to cancel my subscription and switch to globex",
            "Third outage this week, unacceptable. Call me at 555-123-4567", "great service from acme today, thanks!",
            "my acme order never arrived, so annoying", "how much is the premium plan?", "WORST. SUPPORT. EVER. 😡",
        ];
        var lines = new List<string>();
        for (var minute = 0; minute < 90; minute++)
        {
            var burst = minute is >= 60 and < 63;
            var count = burst ? 120 : 30 + random.Next(10);
            for (var i = 0; i < count; i++)
            {
                var customer = random.Next(4) == 0 ? $"C-{random.Next(40)}" : null;
                var text = burst && i % 4 != 0 ? "acme is down AGAIN, worst outage ever" : texts[random.Next(texts.Length)];
                var followers = random.Next(200) == 0 ? 2_000_000 : random.Next(5_000);
                lines.Add(Json(new
                {
                    id = $"m{minute}-{i}",
                    platform = random.Next(3) == 0 ? "facebook" : "x",
                    brand = random.Next(5) == 0 ? "globex" : "acme",
                    customerId = customer,
                    author = new { id = $"a{random.Next(300)}", handle = "@someone", followers, verified = followers > 1_000_000 },
                    text,
                    createdAt = TestMentions.T0.AddMinutes(minute).AddSeconds(random.Next(60)).ToString("O"),
                    metrics = new { shares = random.Next(20) == 0 ? 5_000 : random.Next(30) },
                }));
            }
        }
        return [.. lines];
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });

    private static IEnumerable<(Mention, SourcePosition)> Parse(string[] lines, int from, int to)
    {
        for (var line = from; line < to; line++)
        {
            var outcome = MentionParser.Parse(Encoding.UTF8.GetBytes(lines[line]));
            Assert.True(outcome.IsValid, outcome.Rejection?.ToString());
            yield return (outcome.Mention!, new SourcePosition(0, line + 1));
        }
    }

    private static ReplayEngine WithProfiles()
    {
        var replay = new ReplayEngine(Rules());
        foreach (var line in new[]
        {
            """{"key":"acme:C-1","valueTier":"platinum","clv":18250.5,"segment":"business","consent":{"processing":true}}""",
            """{"key":"acme:C-2","value":{"valueTier":"bronze","clv":12}}""",
            """{"brand":"acme","customerId":"C-3","valueTier":"gold","consent":{"processing":false}}""",
            """{"key":"acme:C-4","value":null}""",
        })
        {
            Assert.True(CustomerProfileJson.TryParseLine(Encoding.UTF8.GetBytes(line), out var id, out var profile, out var rejection), rejection?.ToString());
            replay.ApplyProfile(id, profile);
        }
        return replay;
    }

    private static byte[] Output(IEnumerable<DomainSignal> signals)
    {
        var stream = new MemoryStream();
        foreach (var signal in signals)
        {
            stream.Write(signal.ToJson());
            stream.WriteByte((byte)'\n');
        }
        return stream.ToArray();
    }

    [Fact]
    public void Replaying_twice_gives_byte_identical_output()
    {
        var lines = MentionsFile();
        var first = Output(WithProfiles().Run(Parse(lines, 0, lines.Length)));
        var second = Output(WithProfiles().Run(Parse(lines, 0, lines.Length)));
        var text = Encoding.UTF8.GetString(first);
        output.WriteLine($"{lines.Length} mentions -> {text.Count(c => c == '\n')} signals");
        Assert.Contains("\"kind\":\"volume-spike\"", text);
        Assert.Contains("\"kind\":\"influencer-negative\"", text);
        Assert.Contains("\"type\":\"retention\"", text);
        Assert.Contains("\"type\":\"acquisition\"", text);
        Assert.DoesNotContain("555-123-4567", text);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Replaying_in_two_halves_with_state_carried_over_gives_byte_identical_output()
    {
        var lines = MentionsFile();
        var whole = Output(WithProfiles().Run(Parse(lines, 0, lines.Length)));
        foreach (var cut in new[] { 1, lines.Length / 3, lines.Length / 2, lines.Length - 1 })
        {
            var firstHalf = WithProfiles();
            var signals = firstHalf.Run(Parse(lines, 0, cut), finish: false);
            var state = firstHalf.ExportState();

            var secondHalf = new ReplayEngine(Rules());
            secondHalf.ImportState(state);
            Assert.Equal(state, secondHalf.ExportState());
            signals.AddRange(secondHalf.Run(Parse(lines, cut, lines.Length)));
            Assert.Equal(whole, Output(signals));
        }
    }

    [Fact]
    public void A_state_with_a_null_where_a_string_belongs_is_refused_naming_the_field()
    {
        var lines = MentionsFile();
        var engine = WithProfiles();
        engine.Run(Parse(lines, 0, lines.Length / 2), finish: false);
        var state = System.Text.Json.Nodes.JsonNode.Parse(engine.ExportState())!;
        var fields = state["entities"]![0]!["fields"]!.AsObject();
        var field = fields.First().Key;
        fields[field] = null;

        var refused = Assert.Throws<FormatException>(() => new ReplayEngine(Rules()).ImportState(Encoding.UTF8.GetBytes(state.ToJsonString())));
        Assert.Equal($"{field}: a string was expected, found Null", refused.Message);
    }

    [Fact]
    public void Replaying_an_overlap_skips_what_was_applied()
    {
        var lines = MentionsFile();
        var whole = Output(WithProfiles().Run(Parse(lines, 0, lines.Length)));
        var replay = WithProfiles();
        var signals = replay.Run(Parse(lines, 0, 2000), finish: false);
        signals.AddRange(replay.Run(Parse(lines, 1500, lines.Length)));
        Assert.Equal(500, replay.MentionsSkipped);
        Assert.Equal(whole, Output(signals));
    }

    [Fact]
    public void Analysis_line_has_the_cli_fields()
    {
        var engine = new Engagement.EngagementEngine(Rules());
        var mention = TestMentions.Make("Where can I buy it? I'm going to cancel my globex plan", customerId: "C-9", id: "q1");
        var json = Encoding.UTF8.GetString(AnalysisJson.Serialize(mention, engine.Analyze(mention)));
        output.WriteLine(json);
        Assert.StartsWith("""{"id":"q1","entityId":"acme:C-9","sentiment":""", json);
        Assert.Contains("""{"name":"purchase","evidence":{"start":0,"length":15,"text":"Where can I buy"}}""", json);
        Assert.Contains("""{"name":"cancel","evidence":{"start":24,"length":15,"text":"going to cancel"}}""", json);
        Assert.EndsWith(""","lang":"en"}""", json);
    }
}
