using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class AlertJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 11, 15, 0, TimeSpan.FromHours(1));

    [Fact]
    public void Crisis_alert_json_follows_the_contract_order()
    {
        var alert = new CrisisAlert
        {
            Id = "crs-0123456789abcdef",
            Kind = CrisisKind.InfluencerNegative,
            Brand = "acme-air",
            Entity = "acme-air:C-004217",
            Severity = 8,
            Priority = Priority.P1,
            Summary = "Verified author @x (48,210 followers) posted a strongly negative mention about acme-air.",
            Reasons = ["negative sentiment -0.78"],
            Evidence = [new Evidence("179", "x", "Third cancelled flight \"again\" é")],
            EventTime = At,
            DetectedAt = At.AddMilliseconds(12),
        };
        Assert.Equal(
            """{"type":"crisis","alertId":"crs-0123456789abcdef","kind":"influencer-negative","brand":"acme-air","entityId":"acme-air:C-004217","severity":8,"priority":"P1","summary":"Verified author @x (48,210 followers) posted a strongly negative mention about acme-air.","reasons":["negative sentiment -0.78"],"evidence":[{"mentionId":"179","platform":"x","excerpt":"Third cancelled flight \"again\" é"}],"eventTime":"2026-11-23T10:15:00Z","detectedAt":"2026-11-23T10:15:00.012Z"}""",
            alert.ToJsonString());
        var live = alert with { DetectedAt = At.AddSeconds(1) };
        Assert.Contains("\"detectedAt\":\"2026-11-23T10:15:01Z\"", live.ToJsonString());
        var outbound = alert.ToOutbound();
        Assert.Equal(SignalStream.CrisisAlerts, outbound.Stream);
        Assert.Equal("acme-air:C-004217", outbound.Key);
    }

    [Fact]
    public void Trigger_json_follows_the_contract_order()
    {
        var trigger = new LifecycleTrigger
        {
            Id = "trg-0123456789abcdef",
            Type = TriggerType.TerminationReview,
            Brand = "acme",
            Entity = "acme:x:u1",
            RiskScore = 0.123456789,
            ValueTier = ValueTier.Unknown,
            Reasons = ["costly-to-serve"],
            SuggestedAction = "Review.",
            Priority = Priority.P4,
            EventTime = At,
            DetectedAt = At,
            Evidence = [],
        };
        Assert.Equal(
            """{"triggerId":"trg-0123456789abcdef","type":"termination-review","brand":"acme","entityId":"acme:x:u1","riskScore":0.1235,"valueTier":null,"reasons":["costly-to-serve"],"suggestedAction":"Review.","priority":"P4","eventTime":"2026-11-23T10:15:00Z","detectedAt":"2026-11-23T10:15:00Z","evidence":[]}""",
            trigger.ToJsonString());
        Assert.Equal("acme:x:u1", trigger.ToOutbound().Key);
        Assert.Equal(SignalStream.LifecycleTriggers, trigger.Stream);
    }

    [Theory]
    [InlineData("mail me at jo.doe+care@mail.example.co.uk now", "mail me at [email] now")]
    [InlineData("call +44 20 7946 0958 or (555) 123-4567.", "call [phone] or [phone].")]
    [InlineData("order 12345 placed on 2026-11-23, 3 items", "order 12345 placed on 2026-11-23, 3 items")]
    public void Excerpts_redact_email_and_phone(string text, string expected) => Assert.Equal(expected, Excerpts.Make(text));

    [Theory]
    [InlineData("  so\t\tslow \r\n today\u00A0\u2028again  ", "so slow today again")]
    [InlineData("\n\n", "")]
    [InlineData("one", "one")]
    public void Excerpts_make_each_whitespace_run_one_space_and_trim(string text, string expected) => Assert.Equal(expected, Excerpts.Make(text));

    [Fact]
    public void Excerpts_take_for_whitespace_exactly_what_a_regex_takes_for_it()
    {
        // The excerpt once collapsed whitespace with the regex \s+; every character still counts the same.
        for (var c = '\0'; c < char.MaxValue; c++)
        {
            if (char.IsSurrogate(c)) continue;
            var isSpace = System.Text.RegularExpressions.Regex.IsMatch(c.ToString(), @"\s");
            Assert.True(isSpace == (Excerpts.Make("a" + c + "b") == "a b"), $"U+{(int)c:X4}");
        }
    }

    [Fact]
    public void Excerpts_cut_without_a_space_keep_surrogate_pairs_whole()
    {
        // 159 letters then an emoji: the cut at 159 would split the pair, so it ends before it.
        var excerpt = Excerpts.Make(new string('a', 158) + "\U0001F621" + new string('b', 10));
        Assert.Equal(new string('a', 158) + "\u2026", excerpt);
    }

    [Fact]
    public void Excerpts_written_as_json_are_the_made_ones()
    {
        var text = "  please\tcall me on +44 20 7946 0958 " + string.Concat(Enumerable.Repeat("really ", 40)) + "today";
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            Excerpts.Write(writer, "excerpt"u8, text);
            writer.WriteEndObject();
        }
        using var json = System.Text.Json.JsonDocument.Parse(buffer.ToArray());
        Assert.Equal(Excerpts.Make(text), json.RootElement.GetProperty("excerpt").GetString());
        Assert.StartsWith("please call me on [phone] really", Excerpts.Make(text), StringComparison.Ordinal);
    }

    [Fact]
    public void Times_format_the_same_into_a_span_and_as_a_string()
    {
        var time = new DateTimeOffset(2026, 11, 23, 10, 15, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        Assert.Equal("2026-11-23T08:15:00.1234567Z", AlertJson.FormatTime(time));
        Assert.Equal(AlertJson.MaxTimeLength, AlertJson.FormatTime(time, stackalloc char[AlertJson.MaxTimeLength]).Length);
        Assert.Equal("2026-11-23T08:15:00Z", AlertJson.FormatTime(time.AddTicks(-1_234_567)));
    }

    [Fact]
    public void Times_are_RFC_3339_in_UTC_with_the_fraction_trimmed_at_every_length()
    {
        var random = new Random(20261204);
        var times = new List<DateTimeOffset> { DateTimeOffset.MinValue, DateTimeOffset.MaxValue, DateTimeOffset.UnixEpoch };
        for (var i = 0; i < 2_000; i++)
        {
            var ticks = random.NextInt64(DateTimeOffset.MinValue.Ticks, DateTimeOffset.MaxValue.Ticks);
            // Each count of trailing zero digits in the fraction, none to all seven.
            ticks -= ticks % (long)Math.Pow(10, i % 8);
            times.Add(new DateTimeOffset(ticks, TimeSpan.Zero));
        }
        foreach (var time in times)
        {
            // The pattern the format is defined by: fraction digits as needed (F), none and no point for whole seconds.
            var expected = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(expected, AlertJson.FormatTime(time));
        }
        Assert.Equal("0001-01-01T00:00:00Z", AlertJson.FormatTime(DateTimeOffset.MinValue));
        Assert.Equal("2026-11-23T08:15:00.01Z", AlertJson.FormatTime(new DateTimeOffset(2026, 11, 23, 8, 15, 0, 10, TimeSpan.Zero)));
    }

    [Fact]
    public void A_time_needs_room_for_its_longest_form()
    {
        var time = new DateTimeOffset(2026, 11, 23, 8, 15, 0, TimeSpan.Zero);
        Assert.Throws<ArgumentException>(() => AlertJson.FormatTime(time, new char[AlertJson.MaxTimeLength - 1]));
    }

    [Fact]
    public void Excerpts_are_cut_to_160_characters()
    {
        var excerpt = Excerpts.Make(string.Concat(Enumerable.Repeat("word ", 100)));
        Assert.True(excerpt.Length <= Excerpts.MaxLength, $"{excerpt.Length}");
        Assert.EndsWith("\u2026", excerpt);
    }

    [Fact]
    public void Ids_are_deterministic_and_depend_on_rule_subject_and_position()
    {
        var id = SignalIds.ForAlert("influencer-negative", "acme:C-1", new SourcePosition(3, 42));
        Assert.Matches("^crs-[0-9a-f]{16}$", id);
        Assert.Equal(id, SignalIds.ForAlert("influencer-negative", "acme:C-1", new SourcePosition(3, 42)));
        Assert.NotEqual(id, SignalIds.ForAlert("influencer-negative", "acme:C-1", new SourcePosition(3, 43)));
        Assert.NotEqual(id, SignalIds.ForAlert("viral-negative", "acme:C-1", new SourcePosition(3, 42)));
        Assert.StartsWith("trg-", SignalIds.ForTrigger("retention", "acme:C-1", new SourcePosition(3, 42)));
    }
}
