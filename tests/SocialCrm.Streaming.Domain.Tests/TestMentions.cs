using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Tests;

internal static class TestMentions
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    public static Mention Make(string text, string brand = "acme", string? customerId = null, string authorId = "u1",
        long followers = 100, bool verified = false, DateTimeOffset? at = null, string id = "m1", MentionKind kind = MentionKind.Post,
        string? handle = null, long shares = 0, string? lang = null, double? sentiment = null, Platform platform = Platform.X) => new()
    {
        Id = id,
        Platform = platform,
        Brand = brand,
        CustomerId = customerId,
        Author = new Author(authorId, handle, followers, verified),
        Text = text,
        Lang = lang,
        CreatedAt = at ?? T0,
        Kind = kind,
        Metrics = shares == 0 ? EngagementMetrics.None : new EngagementMetrics(Shares: shares),
        Sentiment = sentiment,
    };
}
