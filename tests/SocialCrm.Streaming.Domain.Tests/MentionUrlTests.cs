using System.Text;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Tests;

/// <summary>The optional <c>url</c> of a mention: the link to the post, shown by the care console.</summary>
public sealed class MentionUrlTests
{
    private static ParseOutcome Parse(string url) => MentionParser.Parse(Encoding.UTF8.GetBytes(
        $$"""{"id":"m1","platform":"x","brand":"acme","author":{"id":"a1"},"text":"hi","createdAt":"2026-11-23T10:15:00Z"{{url}}}"""));

    [Theory]
    [InlineData("", null)]
    [InlineData(""","url":null""", null)]
    [InlineData(""","url":"https://x.com/ann/status/1861234567890\u0026s=20" """, "https://x.com/ann/status/1861234567890&s=20")]
    [InlineData(""","url":"http://forum.example.com/t/42" """, "http://forum.example.com/t/42")]
    public void An_absolute_http_url_is_kept_and_none_is_null(string field, string? expected) =>
        Assert.Equal(expected, Parse(field).Mention!.Url);

    [Theory]
    [InlineData(""","url":"javascript:alert(1)" """)]
    [InlineData(""","url":"/status/1" """)]
    [InlineData(""","url":"" """)]
    [InlineData(""","url":42""")]
    public void Anything_else_is_an_invalid_field(string field)
    {
        var outcome = Parse(field);
        Assert.Null(outcome.Mention);
        Assert.Equal(RejectReason.InvalidField, outcome.Rejection!.Reason);
        Assert.Contains("url", outcome.Rejection.Detail, StringComparison.Ordinal);
    }
}
