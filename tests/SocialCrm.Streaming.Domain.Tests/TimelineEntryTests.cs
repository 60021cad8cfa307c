using System.Text;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class TimelineEntryTests
{
    private static readonly Mention Mention = new()
    {
        Id = "m-9",
        Platform = Platform.Twitter,
        Brand = "acme",
        CustomerId = "c1",
        Author = new Author("a-1", "@ann"),
        Text = "Still no refund, write me at ann@example.com",
        CreatedAt = new DateTimeOffset(2026, 11, 23, 10, 15, 0, TimeSpan.Zero),
        Kind = MentionKind.Reply,
        Url = "https://x.com/ann/status/9",
    };

    private static readonly MentionAnalysis Analysis = new MentionAnalyzer().Analyze(Mention.Text, "en", -0.6, CompetitorSet.Empty);

    [Fact]
    public void An_entry_is_compact_redacted_and_links_the_post()
    {
        var json = Encoding.UTF8.GetString(TimelineEntry.Of(Mention, Analysis, withText: true));
        Assert.StartsWith("""{"id":"m-9","platform":"twitter","createdAt":"2026-11-23T10:15:00Z","kind":"reply","sentiment":"negative","excerpt":""", json, StringComparison.Ordinal);
        Assert.EndsWith(""","url":"https://x.com/ann/status/9"}""", json, StringComparison.Ordinal);
        Assert.DoesNotContain("ann@example.com", json, StringComparison.Ordinal);
        Assert.DoesNotContain("@ann", json.Replace("x.com/ann", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Entries_made_one_after_another_do_not_carry_anything_over()
    {
        var first = Encoding.UTF8.GetString(TimelineEntry.Of(Mention, Analysis, withText: true));
        var huge = Encoding.UTF8.GetString(TimelineEntry.Of(Mention with { Id = new string('i', 100_000), Url = null }, Analysis, withText: true));
        var second = Encoding.UTF8.GetString(TimelineEntry.Of(Mention, Analysis, withText: true));
        Assert.Equal(first, second);
        Assert.StartsWith("{\"id\":\"iii", huge, StringComparison.Ordinal);
        Assert.EndsWith("\"}", huge, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_consent_the_text_is_withheld_and_without_a_url_there_is_no_link()
    {
        var json = Encoding.UTF8.GetString(TimelineEntry.Of(Mention with { Url = null }, Analysis, withText: false));
        Assert.Contains($"\"excerpt\":\"{Alerts.Excerpts.Withheld}\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("url", json, StringComparison.Ordinal);
        Assert.DoesNotContain("refund", json, StringComparison.Ordinal);
    }
}
