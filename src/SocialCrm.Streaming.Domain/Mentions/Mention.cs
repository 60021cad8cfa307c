namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>One validated social mention (input contract: topology/schemas/mention.schema.json). Immutable.</summary>
public sealed record Mention
{
    public required string Id { get; init; }
    public required Platform Platform { get; init; }
    public required string Brand { get; init; }
    public string? CustomerId { get; init; }
    public required Author Author { get; init; }
    public required string Text { get; init; }
    public string? Lang { get; init; }
    /// <summary>Event time: the only clock the domain knows.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    public MentionKind Kind { get; init; } = MentionKind.Post;
    public string? InReplyTo { get; init; }
    public double? Rating { get; init; }
    public EngagementMetrics Metrics { get; init; } = EngagementMetrics.None;
    /// <summary>An upstream sentiment score in [-1, 1]; when present it overrides ours.</summary>
    public double? Sentiment { get; init; }
    /// <summary>The link to the post, when the source gives one: an absolute http(s) URL.</summary>
    public string? Url { get; init; }

    /// <summary>The sharding key: <c>{brand}:{customerId}</c>, or <c>{brand}:{platform}:{author.id}</c> for a prospect.</summary>
    public EntityId EntityId => CustomerId is { } customer
        ? EntityId.ForCustomer(Brand, customer)
        : EntityId.ForProspect(Brand, Platform, Author.Id);

    /// <summary>Whether <paramref name="utf8"/> is <see cref="EntityId"/> in UTF-8 (a record's key), without making the id.</summary>
    public bool HasEntityId(ReadOnlySpan<byte> utf8) => CustomerId is { } customer
        ? EntityId.IsUtf8Of(utf8, Brand, customer)
        : EntityId.IsUtf8Of(utf8, Brand, Platform.ToWire(), Author.Id);
}

public sealed record Author(string Id, string? Handle = null, long Followers = 0, bool Verified = false);

public sealed record EngagementMetrics(long Likes = 0, long Shares = 0, long Replies = 0, long Views = 0)
{
    public static readonly EngagementMetrics None = new();
}

public enum Platform { X, Twitter, Facebook, Instagram, Reddit, Youtube, Tiktok, Review, Forum, Other }

public enum MentionKind { Post, Reply, Share, Review, Comment, Dm }

public static class PlatformNames
{
    public static string ToWire(this Platform platform) => platform switch
    {
        Platform.X => "x",
        Platform.Twitter => "twitter",
        Platform.Facebook => "facebook",
        Platform.Instagram => "instagram",
        Platform.Reddit => "reddit",
        Platform.Youtube => "youtube",
        Platform.Tiktok => "tiktok",
        Platform.Review => "review",
        Platform.Forum => "forum",
        Platform.Other => "other",
        _ => throw new ArgumentOutOfRangeException(nameof(platform), platform, "unknown platform"),
    };

    public static bool TryParsePlatform(string value, out Platform platform) => TryParsePlatform(value.AsSpan(), out platform);

    public static bool TryParsePlatform(ReadOnlySpan<char> value, out Platform platform)
    {
        Platform? parsed = value switch
        {
            "x" => Platform.X,
            "twitter" => Platform.Twitter,
            "facebook" => Platform.Facebook,
            "instagram" => Platform.Instagram,
            "reddit" => Platform.Reddit,
            "youtube" => Platform.Youtube,
            "tiktok" => Platform.Tiktok,
            "review" => Platform.Review,
            "forum" => Platform.Forum,
            "other" => Platform.Other,
            _ => null,
        };
        platform = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }

    public static string ToWire(this MentionKind kind) => kind switch
    {
        MentionKind.Reply => "reply",
        MentionKind.Share => "share",
        MentionKind.Review => "review",
        MentionKind.Comment => "comment",
        MentionKind.Dm => "dm",
        MentionKind.Post => "post",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a mention kind"),
    };

    public static bool TryParseKind(ReadOnlySpan<char> value, out MentionKind kind)
    {
        MentionKind? parsed = value switch
        {
            "post" => MentionKind.Post,
            "reply" => MentionKind.Reply,
            "share" => MentionKind.Share,
            "review" => MentionKind.Review,
            "comment" => MentionKind.Comment,
            "dm" => MentionKind.Dm,
            _ => null,
        };
        kind = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }
}
