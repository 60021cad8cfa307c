using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Cluster.Tests.Serialization;

/// <summary>Messages of every registered type, with optional fields set and unset and values at the edges.</summary>
internal static class SampleMessages
{
    public const string UnicodeText =
        "Ünïcödé ✓ 客户服务太慢了 😡👍🏽 👨‍👩‍👧 עברית العربية e\u0301 \u200b zero-width, tab\t, newline\n, nul\0 end";

    public static Mention FullMention() => new()
    {
        Id = "m-0001",
        Platform = Platform.Instagram,
        Brand = "acme",
        CustomerId = "C-42",
        Author = new Author("u-1", "@ada", 1_234_567, Verified: true),
        Text = UnicodeText,
        Lang = "zh-Hant-TW",
        CreatedAt = new DateTimeOffset(2026, 11, 23, 10, 15, 30, 123, TimeSpan.FromMinutes(345)).AddTicks(4567),
        Kind = MentionKind.Review,
        InReplyTo = "m-0000",
        Rating = 4.5,
        Metrics = new EngagementMetrics(Likes: 10, Shares: 2, Replies: 3, Views: 99_999),
        Sentiment = -0.731,
        Url = "https://social.example/acme/status/42?ref=é",
    };

    public static Mention MinimalMention() => new()
    {
        Id = "m",
        Platform = Platform.X,
        Brand = "b",
        Author = new Author("a"),
        Text = "",
        CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    public static Mention ExtremeMention() => new()
    {
        Id = new string('i', 128),
        Platform = Platform.Other,
        Brand = "brand_with-all-chars-0123456789",
        CustomerId = "𝒞𝓊𝓈𝓉𝑜𝓂𝑒𝓇",
        Author = new Author("\u00e9", Handle: "", Followers: long.MaxValue, Verified: false),
        Text = string.Concat(Enumerable.Repeat(UnicodeText, 120)),
        Lang = "en",
        CreatedAt = DateTimeOffset.MaxValue.ToOffset(TimeSpan.FromHours(-14)),
        Kind = MentionKind.Dm,
        Rating = double.MaxValue,
        Metrics = new EngagementMetrics(long.MinValue, long.MaxValue, -1, 1),
        Sentiment = double.Epsilon,
    };

    public static CustomerProfile FullProfile() => new(ValueTier.Platinum, 1_234_567.891, "vip-😀", ConsentProcessing: true);

    /// <summary>Brand counts hold a list of samples, which record equality compares by reference: they get a round-trip test of their own.</summary>
    public static ObserveBrandCounts BrandCounts() => new("acme",
    [
        new BrandMinuteCounts("acme", 29_412_344, 0, 3, 0),
        new BrandMinuteCounts("acme", 29_412_345, 42, 7, 1)
        {
            LatestEventTime = new DateTimeOffset(2026, 11, 23, 9, 15, 0, TimeSpan.FromHours(2)),
            Samples = [new Evidence("m1", "x", UnicodeText), new Evidence("m2", "review", "[withheld: no consent]")],
        },
    ], Watermark: 29_412_343, Node: "akka.tcp://socialcrm@node-é.example:4053#-1204983322", Sequence: long.MaxValue - 1);

    /// <summary>One instance (or more) of every message type in the table but <see cref="ObserveBrandCounts"/> (see <see cref="BrandCounts"/>).</summary>
    public static IEnumerable<object> All() =>
    [
        new ApplyMentions("acme:C-42", [new PositionedMention(FullMention(), new SourcePosition(3, 42))]) { Sequence = 7 },
        new ApplyMentions("b:x:a", [new PositionedMention(MinimalMention(), new SourcePosition(0, 0)), new PositionedMention(FullMention(), new SourcePosition(0, 1))]),
        new ApplyMentions("brand:𝒞", [new PositionedMention(ExtremeMention(), new SourcePosition(int.MaxValue, long.MaxValue))]) { Sequence = long.MaxValue },
        new ApplyMentions("acme:C-42", []),
        new MentionsApplied([null]) { Sequence = 7 },
        new MentionsApplied([]),
        new MentionsApplied([new MentionObservation(SentimentClass.Negative, MayQuote: false), null, new MentionObservation(SentimentClass.Positive, MayQuote: true)]),
        new MentionsApplied([new MentionObservation(SentimentClass.Neutral, MayQuote: true), null, null], [new FailedMention(1, "System.NullReferenceException"), new FailedMention(2, "ü")]),
        new CustomerFailed("acme:C-42", "SocialCrm.Streaming.Domain.Ports.StoreRefusedException", "Writing the customer failed after 5 attempt(s): StoreRefusedException") { Sequence = 12 },
        new CustomerFailed("", "", ""),
        StopCustomer.Instance,
        new ApplyProfile("acme:C-42", FullProfile(), new SourcePosition(5, 77)),
        new ApplyProfile("acme:C-43", null, new SourcePosition(5, 78)) { Sequence = 9 },
        new ApplyProfile("acme:C-44", new CustomerProfile(ValueTier.Unknown, double.NegativeInfinity, null, false), new SourcePosition(-1, -1)),
        new ProfileApplied(new SourcePosition(5, 78)) { Sequence = long.MaxValue },
        new BrandCountsObserved("acme"),
    ];

    public static TheoryData<object> AllAsTheory()
    {
        var data = new TheoryData<object>();
        foreach (var message in All())
        {
            data.Add(message);
        }
        return data;
    }
}
