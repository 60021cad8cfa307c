using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Cluster.Serialization;

/// <summary>
/// Wire layouts of the domain values carried by cluster messages. Field order is the format: append new fields
/// at the end of a layout and bump <see cref="ClusterMessageTable.FormatVersion"/> (or give the message a new
/// manifest). Enums travel as explicit codes, never as their ordinals, so reordering an enum cannot change the wire.
/// </summary>
public static class DomainWireFormat
{
    // Mention: id, platform, brand, customerId?, author, text, lang?, createdAt, kind, inReplyTo?, rating?, metrics, sentiment?
    public static void WriteMention(this ClusterWireWriter writer, Mention mention)
    {
        if (mention is null)
        {
            throw new System.Runtime.Serialization.SerializationException("cannot serialize: required field 'mention' is null");
        }
        writer.WriteString(mention.Id, "mention.id");
        writer.WriteByte(PlatformCode(mention.Platform));
        writer.WriteString(mention.Brand, "mention.brand");
        writer.WriteNullableString(mention.CustomerId, "mention.customerId");
        writer.WriteAuthor(mention.Author);
        writer.WriteString(mention.Text, "mention.text");
        writer.WriteNullableString(mention.Lang, "mention.lang");
        writer.WriteTimestamp(mention.CreatedAt);
        writer.WriteByte(KindCode(mention.Kind));
        writer.WriteNullableString(mention.InReplyTo, "mention.inReplyTo");
        writer.WriteNullableDouble(mention.Rating);
        writer.WriteMetrics(mention.Metrics);
        writer.WriteNullableDouble(mention.Sentiment);
        writer.WriteNullableString(mention.Url, "mention.url");
    }

    public static Mention ReadMention(this ClusterWireReader reader) => new()
    {
        Id = reader.ReadString("mention.id"),
        Platform = PlatformFromCode(reader, reader.ReadByte()),
        Brand = reader.ReadString("mention.brand"),
        CustomerId = reader.ReadNullableString("mention.customerId"),
        Author = reader.ReadAuthor(),
        Text = reader.ReadString("mention.text"),
        Lang = reader.ReadNullableString("mention.lang"),
        CreatedAt = reader.ReadTimestamp("mention.createdAt"),
        Kind = KindFromCode(reader, reader.ReadByte()),
        InReplyTo = reader.ReadNullableString("mention.inReplyTo"),
        Rating = reader.ReadNullableDouble(),
        Metrics = reader.ReadMetrics(),
        Sentiment = reader.ReadNullableDouble(),
        Url = reader.ReadNullableString("mention.url"),
    };

    // Author: id, handle?, followers, verified
    public static void WriteAuthor(this ClusterWireWriter writer, Author author)
    {
        if (author is null)
        {
            throw new System.Runtime.Serialization.SerializationException("cannot serialize: required field 'mention.author' is null");
        }
        writer.WriteString(author.Id, "author.id");
        writer.WriteNullableString(author.Handle, "author.handle");
        writer.WriteInt64(author.Followers);
        writer.WriteBool(author.Verified);
    }

    public static Author ReadAuthor(this ClusterWireReader reader) => new(
        reader.ReadString("author.id"),
        reader.ReadNullableString("author.handle"),
        reader.ReadInt64(),
        reader.ReadBool());

    // Metrics: likes, shares, replies, views (a null Metrics is written as None)
    public static void WriteMetrics(this ClusterWireWriter writer, EngagementMetrics? metrics)
    {
        metrics ??= EngagementMetrics.None;
        writer.WriteInt64(metrics.Likes);
        writer.WriteInt64(metrics.Shares);
        writer.WriteInt64(metrics.Replies);
        writer.WriteInt64(metrics.Views);
    }

    public static EngagementMetrics ReadMetrics(this ClusterWireReader reader)
    {
        var likes = reader.ReadInt64();
        var shares = reader.ReadInt64();
        var replies = reader.ReadInt64();
        var views = reader.ReadInt64();
        return likes == 0 && shares == 0 && replies == 0 && views == 0
            ? EngagementMetrics.None
            : new EngagementMetrics(likes, shares, replies, views);
    }

    // SourcePosition: partition, offset
    public static void WritePosition(this ClusterWireWriter writer, SourcePosition position)
    {
        writer.WriteInt32(position.Partition);
        writer.WriteInt64(position.Offset);
    }

    public static SourcePosition ReadPosition(this ClusterWireReader reader) => new(reader.ReadInt32(), reader.ReadInt64());

    // CustomerProfile?: present, then tier, clv, segment?, consentProcessing
    public static void WriteNullableProfile(this ClusterWireWriter writer, CustomerProfile? profile)
    {
        writer.WriteBool(profile is not null);
        if (profile is null)
        {
            return;
        }
        writer.WriteByte(TierCode(profile.Tier));
        writer.WriteDouble(profile.Clv);
        writer.WriteNullableString(profile.Segment, "profile.segment");
        writer.WriteBool(profile.ConsentProcessing);
    }

    public static CustomerProfile? ReadNullableProfile(this ClusterWireReader reader) => reader.ReadBool()
        ? new CustomerProfile(
            TierFromCode(reader, reader.ReadByte()),
            reader.ReadDouble(),
            reader.ReadNullableString("profile.segment"),
            reader.ReadBool())
        : null;

    // Enum codes: part of the wire format. Add new members with new codes; never reuse or renumber one.

    internal static byte PlatformCode(Platform platform) => platform switch
    {
        Platform.X => 1,
        Platform.Twitter => 2,
        Platform.Facebook => 3,
        Platform.Instagram => 4,
        Platform.Reddit => 5,
        Platform.Youtube => 6,
        Platform.Tiktok => 7,
        Platform.Review => 8,
        Platform.Forum => 9,
        Platform.Other => 10,
        _ => throw new System.Runtime.Serialization.SerializationException($"cannot serialize: platform {(int)platform} has no wire code"),
    };

    private static Platform PlatformFromCode(ClusterWireReader reader, byte code) => code switch
    {
        1 => Platform.X,
        2 => Platform.Twitter,
        3 => Platform.Facebook,
        4 => Platform.Instagram,
        5 => Platform.Reddit,
        6 => Platform.Youtube,
        7 => Platform.Tiktok,
        8 => Platform.Review,
        9 => Platform.Forum,
        10 => Platform.Other,
        _ => throw reader.Malformed($"unknown platform code {code}"),
    };

    internal static byte KindCode(MentionKind kind) => kind switch
    {
        MentionKind.Post => 1,
        MentionKind.Reply => 2,
        MentionKind.Share => 3,
        MentionKind.Review => 4,
        MentionKind.Comment => 5,
        MentionKind.Dm => 6,
        _ => throw new System.Runtime.Serialization.SerializationException($"cannot serialize: mention kind {(int)kind} has no wire code"),
    };

    private static MentionKind KindFromCode(ClusterWireReader reader, byte code) => code switch
    {
        1 => MentionKind.Post,
        2 => MentionKind.Reply,
        3 => MentionKind.Share,
        4 => MentionKind.Review,
        5 => MentionKind.Comment,
        6 => MentionKind.Dm,
        _ => throw reader.Malformed($"unknown mention kind code {code}"),
    };

    internal static byte TierCode(ValueTier tier) => tier switch
    {
        ValueTier.Unknown => 1,
        ValueTier.Bronze => 2,
        ValueTier.Silver => 3,
        ValueTier.Gold => 4,
        ValueTier.Platinum => 5,
        _ => throw new System.Runtime.Serialization.SerializationException($"cannot serialize: value tier {(int)tier} has no wire code"),
    };

    private static ValueTier TierFromCode(ClusterWireReader reader, byte code) => code switch
    {
        1 => ValueTier.Unknown,
        2 => ValueTier.Bronze,
        3 => ValueTier.Silver,
        4 => ValueTier.Gold,
        5 => ValueTier.Platinum,
        _ => throw reader.Malformed($"unknown value tier code {code}"),
    };

    // MentionObservation?: present, then sentiment class code, may-quote
    public static void WriteNullableObservation(this ClusterWireWriter writer, MentionObservation? observation)
    {
        writer.WriteBool(observation is not null);
        if (observation is { } value)
        {
            writer.WriteByte(SentimentCode(value.Class));
            writer.WriteBool(value.MayQuote);
        }
    }

    public static MentionObservation? ReadNullableObservation(this ClusterWireReader reader) => reader.ReadBool()
        ? new MentionObservation(SentimentFromCode(reader, reader.ReadByte()), reader.ReadBool())
        : null;

    // BrandMinuteCounts: brand, minute, negative, neutral, positive, latest event time?, sample count, (mention id, platform, excerpt) per sample
    public static void WriteBrandCounts(this ClusterWireWriter writer, BrandMinuteCounts counts)
    {
        writer.WriteString(counts.Brand, "counts.brand");
        writer.WriteInt64(counts.MinuteBucket);
        writer.WriteInt32(counts.Negative);
        writer.WriteInt32(counts.Neutral);
        writer.WriteInt32(counts.Positive);
        writer.WriteBool(counts.LatestEventTime is not null);
        if (counts.LatestEventTime is { } latest)
        {
            writer.WriteTimestamp(latest);
        }
        var samples = counts.Samples ?? [];
        writer.WriteInt32(samples.Count);
        foreach (var sample in samples)
        {
            writer.WriteString(sample.MentionId, "sample.mentionId");
            writer.WriteString(sample.Platform, "sample.platform");
            writer.WriteString(sample.Excerpt, "sample.excerpt");
        }
    }

    public static BrandMinuteCounts ReadBrandCounts(this ClusterWireReader reader)
    {
        var brand = reader.ReadString("counts.brand");
        var minute = reader.ReadInt64();
        var negative = reader.ReadInt32();
        var neutral = reader.ReadInt32();
        var positive = reader.ReadInt32();
        DateTimeOffset? latest = reader.ReadBool() ? reader.ReadTimestamp("counts.latestEventTime") : null;
        var samples = new Evidence[reader.ReadCount("samples", 1_000)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = new Evidence(reader.ReadString("sample.mentionId"), reader.ReadString("sample.platform"), reader.ReadString("sample.excerpt"));
        }
        return new BrandMinuteCounts(brand, minute, negative, neutral, positive) { LatestEventTime = latest, Samples = samples };
    }

    internal static byte SentimentCode(SentimentClass sentiment) => sentiment switch
    {
        SentimentClass.Neutral => 1,
        SentimentClass.Negative => 2,
        SentimentClass.Positive => 3,
        _ => throw new System.Runtime.Serialization.SerializationException($"cannot serialize: sentiment class {(int)sentiment} has no wire code"),
    };

    private static SentimentClass SentimentFromCode(ClusterWireReader reader, byte code) => code switch
    {
        1 => SentimentClass.Neutral,
        2 => SentimentClass.Negative,
        3 => SentimentClass.Positive,
        _ => throw reader.Malformed($"unknown sentiment class code {code}"),
    };
}
