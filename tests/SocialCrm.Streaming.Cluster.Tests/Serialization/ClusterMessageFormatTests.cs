using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Cluster.Brands;
using System.Reflection;
using System.Runtime.Serialization;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Cluster.Tests.Serialization;

/// <summary>The wire format itself: round trips, stability of manifests and bytes, and refusal of anything else.</summary>
public sealed class ClusterMessageFormatTests
{
    private static T RoundTrip<T>(T message) where T : class
    {
        var entry = ClusterMessageTable.ForType(message.GetType());
        var bytes = ClusterMessageTable.Serialize(message);
        var back = ClusterMessageTable.Deserialize(bytes, entry.Manifest);
        Assert.IsType(message.GetType(), back);
        return (T)back;
    }

    /// <summary>One mention through the wire, as the only one of its batch.</summary>
    private static PositionedMention RoundTripOne(string entityId, Mention mention, SourcePosition position = default) =>
        Assert.Single(RoundTrip(new ApplyMentions(entityId, [new PositionedMention(mention, position)])).Mentions);

    [Theory]
    [MemberData(nameof(SampleMessages.AllAsTheory), MemberType = typeof(SampleMessages))]
    public void Every_sample_message_round_trips_to_an_equal_message(object message)
    {
        var back = RoundTrip(message);

        Assert.Equal(message, back);
        if (message is not StopCustomer)
        {
            Assert.NotSame(message, back);
        }
    }

    [Fact]
    public void Brand_counts_round_trip_with_their_samples()
    {
        var message = SampleMessages.BrandCounts();
        var back = RoundTrip(message);
        Assert.Equal(message.EntityId, back.EntityId);
        Assert.Equal(message.Watermark, back.Watermark);
        Assert.Equal(message.Node, back.Node);
        Assert.Equal(message.Sequence, back.Sequence);
        Assert.Equal(message.Minutes.Count, back.Minutes.Count);
        foreach (var (sent, received) in message.Minutes.Zip(back.Minutes))
        {
            Assert.Equal(sent with { Samples = null }, received with { Samples = null });
            Assert.Equal(sent.Samples ?? [], received.Samples ?? []);
        }
    }

    [Fact]
    public void The_samples_cover_every_message_type_in_the_table()
    {
        var sampled = SampleMessages.All().Append(SampleMessages.BrandCounts()).Select(m => m.GetType()).ToHashSet();

        Assert.All(ClusterMessageTable.MessageTypes, type => Assert.Contains(type, sampled));
    }

    [Fact]
    public void A_mention_with_every_optional_field_set_keeps_every_field_exactly()
    {
        var original = SampleMessages.FullMention();

        var back = RoundTripOne("acme:C-42", original, new SourcePosition(1, 2)).Mention;

        Assert.Equal(original, back);
        Assert.Equal(SampleMessages.UnicodeText, back.Text);
        Assert.Equal("C-42", back.CustomerId);
        Assert.Equal("@ada", back.Author.Handle);
        Assert.True(back.Author.Verified);
        Assert.Equal("zh-Hant-TW", back.Lang);
        Assert.Equal("m-0000", back.InReplyTo);
        Assert.Equal(4.5, back.Rating);
        Assert.Equal(-0.731, back.Sentiment);
        Assert.Equal(new EngagementMetrics(10, 2, 3, 99_999), back.Metrics);
        // DateTimeOffset equality compares instants only: the offset and the sub-millisecond ticks must survive too.
        Assert.Equal(original.CreatedAt.UtcTicks, back.CreatedAt.UtcTicks);
        Assert.Equal(TimeSpan.FromMinutes(345), back.CreatedAt.Offset);
    }

    [Fact]
    public void A_mention_with_every_optional_field_unset_keeps_them_unset()
    {
        var back = RoundTripOne("b:x:a", SampleMessages.MinimalMention(), default).Mention;

        Assert.Null(back.CustomerId);
        Assert.Null(back.Author.Handle);
        Assert.Null(back.Lang);
        Assert.Null(back.InReplyTo);
        Assert.Null(back.Rating);
        Assert.Null(back.Sentiment);
        Assert.Equal(MentionKind.Post, back.Kind);
        Assert.Same(EngagementMetrics.None, back.Metrics);
        Assert.Equal("", back.Text);
        Assert.Equal(SampleMessages.MinimalMention(), back);
    }

    public static TheoryData<double> Doubles() =>
    [
        0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue,
        double.PositiveInfinity, double.NegativeInfinity, double.NaN,
        BitConverter.Int64BitsToDouble(0x7FF8_0000_DEAD_BEEF), // a NaN with a payload
        0.1, -1.0 / 3.0,
    ];

    [Theory]
    [MemberData(nameof(Doubles))]
    public void Doubles_survive_bit_for_bit(double value)
    {
        var mention = SampleMessages.MinimalMention() with { Rating = value, Sentiment = value };
        var profile = new CustomerProfile(ValueTier.Gold, value, null, true);

        var backMention = RoundTripOne("b:x:a", mention, default).Mention;
        var backProfile = RoundTrip(new ApplyProfile("acme:C-1", profile, default)).Profile!;

        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(backMention.Rating!.Value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(backMention.Sentiment!.Value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(backProfile.Clv));
    }

    public static TheoryData<DateTimeOffset> Timestamps() =>
    [
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
        DateTimeOffset.MinValue.ToOffset(TimeSpan.FromHours(14)),
        DateTimeOffset.MaxValue.ToOffset(TimeSpan.FromHours(-14)),
        new DateTimeOffset(2026, 3, 29, 2, 30, 0, TimeSpan.FromHours(2)),
        new DateTimeOffset(2026, 3, 29, 2, 30, 0, TimeSpan.FromMinutes(-570)),
        new DateTimeOffset(637_000_000_000_000_001, TimeSpan.FromMinutes(345)),
        new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero),
    ];

    [Theory]
    [MemberData(nameof(Timestamps))]
    public void Timestamps_keep_their_instant_and_their_offset(DateTimeOffset createdAt)
    {
        var mention = SampleMessages.MinimalMention() with { CreatedAt = createdAt };

        var back = RoundTripOne("b:x:a", mention, default).Mention.CreatedAt;

        Assert.Equal(createdAt.UtcTicks, back.UtcTicks);
        Assert.Equal(createdAt.Offset, back.Offset);
        Assert.Equal(createdAt.Ticks, back.Ticks);
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(-1L)]
    [InlineData(0L)]
    [InlineData(63L)]
    [InlineData(64L)]
    [InlineData(int.MaxValue + 1L)]
    public void Integers_survive_at_the_edges(long value)
    {
        var mention = SampleMessages.MinimalMention() with
        {
            Author = new Author("a", null, value, false),
            Metrics = new EngagementMetrics(value, value, value, value),
        };
        var partition = (int)Math.Clamp(value, int.MinValue, int.MaxValue);

        var back = RoundTripOne("b:x:a", mention, new SourcePosition(partition, value));

        Assert.Equal(value, back.Mention.Author.Followers);
        Assert.Equal(value, back.Mention.Metrics.Views);
        Assert.Equal(new SourcePosition(partition, value), back.Position);
    }

    [Fact]
    public void Every_platform_mention_kind_and_value_tier_round_trips()
    {
        foreach (var platform in Enum.GetValues<Platform>())
        {
            foreach (var kind in Enum.GetValues<MentionKind>())
            {
                var mention = SampleMessages.MinimalMention() with { Platform = platform, Kind = kind };
                var back = RoundTripOne("b:x:a", mention, default).Mention;
                Assert.Equal(platform, back.Platform);
                Assert.Equal(kind, back.Kind);
            }
        }
        foreach (var tier in Enum.GetValues<ValueTier>())
        {
            var back = RoundTrip(new ApplyProfile("acme:C-1", new CustomerProfile(tier, 1, "s", true), default));
            Assert.Equal(tier, back.Profile!.Tier);
        }
    }

    [Fact]
    public void A_stop_message_comes_back_as_the_singleton()
    {
        Assert.Same(StopCustomer.Instance, RoundTrip(StopCustomer.Instance));
    }

    [Fact]
    public void Manifests_are_short_and_stable()
    {
        var expected = new Dictionary<Type, string>
        {
            [typeof(ApplyMentions)] = "amq",
            [typeof(MentionsApplied)] = "maq",
            [typeof(CustomerFailed)] = "cfq",
            [typeof(ObserveBrandCounts)] = "bcs",
            [typeof(BrandCountsObserved)] = "bo",
            [typeof(StopCustomer)] = "sc",
            [typeof(ApplyProfile)] = "apq",
            [typeof(ProfileApplied)] = "paq",
        };

        Assert.Equal(
            expected.OrderBy(p => p.Value),
            ClusterMessageTable.Entries.Select(e => KeyValuePair.Create(e.Type, e.Manifest)).OrderBy(p => p.Value));
        Assert.Equal(4711, ClusterMessageSerializer.SerializerIdentifier);
        Assert.Equal("socialcrm", ClusterSerializationExtensions.SerializerName);
        Assert.Equal(1, ClusterMessageTable.FormatVersion);
    }

    [Fact]
    public void The_bytes_of_a_known_message_do_not_change()
    {
        // version 1, sequence 0, 2 observations (zigzag 4): absent; present, negative (code 2), may quote; no failed mentions
        Assert.Equal(
            "01" + "00" + "04" + "00" + "010201" + "00",
            Convert.ToHexString(ClusterMessageTable.Serialize(new MentionsApplied([null, new MentionObservation(SentimentClass.Negative, MayQuote: true)]))));
        Assert.Equal("01", Convert.ToHexString(ClusterMessageTable.Serialize(StopCustomer.Instance)));

        var mention = new ApplyMentions(
            "acme:C-1",
            [new PositionedMention(new Mention
            {
                Id = "m1",
                Platform = Platform.X,
                Brand = "acme",
                CustomerId = "C-1",
                Author = new Author("u", "@h", 5, true),
                Text = "hé",
                CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)),
                Kind = MentionKind.Reply,
                Rating = 1,
                Metrics = new EngagementMetrics(1, 0, 0, 2),
            },
            new SourcePosition(1, 10))]) { Sequence = 3 };
        Assert.Equal(GoldenApplyMentionHex, Convert.ToHexString(ClusterMessageTable.Serialize(mention)));
    }

    private const string GoldenApplyMentionHex =
        "01" + // format version
        "09" + "61636D653A432D31" + // entityId "acme:C-1" (length 8 + 1)
        "06" + // sequence 3 (zigzag 6)
        "02" + // one mention (zigzag 2)
        "03" + "6D31" + // id "m1"
        "01" + // platform x
        "05" + "61636D65" + // brand "acme"
        "04" + "432D31" + // customerId "C-1"
        "02" + "75" + "03" + "4068" + "0A" + "01" + // author: id "u", handle "@h", followers 5 (zigzag 10), verified
        "04" + "68C3A9" + // text "hé" (3 UTF-8 bytes)
        "00" + // lang null
        "8098F234A349DE08" + "78" + // createdAt: UTC ticks of 2026-01-02T02:04:05Z (8 bytes LE), offset +60 min (zigzag 120)
        "02" + // kind reply
        "00" + // inReplyTo null
        "01" + "000000000000F03F" + // rating 1.0
        "02" + "00" + "00" + "04" + // metrics 1, 0, 0, 2
        "00" + // sentiment null
        "00" + // url null
        "02" + "14"; // position 1 (zigzag 2), 10 (zigzag 20)

    [Fact]
    public void A_typical_mention_is_compact()
    {
        var message = new ApplyMentions("acme:C-42", [new PositionedMention(SampleMessages.FullMention() with { Text = new string('a', 200), Url = null }, new SourcePosition(3, 123_456_789))]);

        var bytes = ClusterMessageTable.Serialize(message);

        // 200 text bytes + about 100 bytes for everything else (ids, lang, timestamp, doubles); JSON needs twice that.
        Assert.InRange(bytes.Length, 200, 320);
    }

    [Theory]
    [InlineData("zz")]
    [InlineData("")]
    [InlineData("AMS")]
    [InlineData("am")]
    [InlineData("SocialCrm.Streaming.Cluster.Customers.ApplyMentions, SocialCrm.Streaming.Cluster")]
    public void An_unknown_manifest_is_refused(string manifest)
    {
        var bytes = ClusterMessageTable.Serialize(new MentionsApplied([null]));

        var ex = Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(bytes, manifest));
        Assert.Contains("unknown cluster message manifest", ex.Message);
    }

    private sealed record NotInTheTable(string Text) : IClusterMessage;

    [Fact]
    public void A_type_without_an_entry_is_refused_even_when_it_has_the_marker()
    {
        var ex = Assert.Throws<SerializationException>(() => ClusterMessageTable.Serialize(new NotInTheTable("x")));
        Assert.Contains(nameof(NotInTheTable), ex.Message);
        Assert.Contains(nameof(ClusterMessageTable), ex.Message);

        Assert.Throws<SerializationException>(() => ClusterMessageTable.Serialize("a string"));
        Assert.Throws<SerializationException>(() => ClusterMessageTable.ForType(typeof(object)));
    }

    [Fact]
    public void An_unsupported_format_version_is_refused()
    {
        var bytes = ClusterMessageTable.Serialize(new MentionsApplied([null]));
        bytes[0] = 2;

        var ex = Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(bytes, "maq"));
        Assert.Contains("format version 2", ex.Message);
    }

    [Fact]
    public void Every_truncation_of_every_sample_is_refused_with_a_serialization_exception()
    {
        foreach (var message in SampleMessages.All())
        {
            var manifest = ClusterMessageTable.ForType(message.GetType()).Manifest;
            var bytes = ClusterMessageTable.Serialize(message);
            // Long texts make every cut point expensive; the cuts inside a long string all fail the same way.
            var cuts = Enumerable.Range(0, bytes.Length).Where(i => i < 400 || i > bytes.Length - 100 || i % 97 == 0);
            foreach (var length in cuts)
            {
                Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(bytes[..length], manifest));
            }
        }
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var bytes = ClusterMessageTable.Serialize(new MentionsApplied([null]));

        var ex = Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize([.. bytes, 0], "maq"));
        Assert.Contains("trailing", ex.Message);
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize([1, 0], "sc"));
    }

    [Fact]
    public void Corrupt_fields_are_refused()
    {
        var golden = Convert.FromHexString(GoldenApplyMentionHex);

        // platform code 0 and 200
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(WithByte(golden, 16, 0), "amq"));
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(WithByte(golden, 16, 200), "amq"));
        // invalid UTF-8 in the id
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(WithByte(golden, 13, 0xFF), "amq"));
        // more mentions than a sender ever puts in one message, and fewer than none
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(WithByte(golden, 11, 0xFE), "amq"));
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(WithByte(golden, 11, 0x01), "amq"));
        // a string length far beyond the payload
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(WithByte(golden, 1, 0x7F), "amq"));
        // a varint that never ends
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize([1, .. Enumerable.Repeat((byte)0xFF, 20)], "maq"));
        // a boolean that is neither 0 nor 1 (the profile's presence flag)
        var profile = ClusterMessageTable.Serialize(new ApplyProfile("a:b", null, default));
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(WithByte(profile, 5, 7), "apq"));
        // a payload of another message under this manifest
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize(golden, "maq"));
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Deserialize([], "maq"));
    }

    private static byte[] WithByte(byte[] bytes, int index, byte value)
    {
        var copy = bytes.ToArray();
        copy[index] = value;
        return copy;
    }

    [Fact]
    public void Text_that_is_not_valid_utf16_is_refused_not_silently_altered()
    {
        var mention = SampleMessages.MinimalMention() with { Text = "broken \ud83d surrogate" };

        var ex = Assert.Throws<SerializationException>(() => ClusterMessageTable.Serialize(new ApplyMentions("b:x:a", [new PositionedMention(mention, default)])));
        Assert.Contains("mention.text", ex.Message);
    }

    [Fact]
    public void A_required_field_left_null_is_refused()
    {
        var mention = SampleMessages.MinimalMention() with { Text = null! };

        Assert.Throws<SerializationException>(() => ClusterMessageTable.Serialize(new ApplyMentions("b:x:a", [new PositionedMention(mention, default)])));
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Serialize(new ApplyMentions(null!, [new PositionedMention(SampleMessages.MinimalMention(), default)])));
        Assert.Throws<SerializationException>(() => ClusterMessageTable.Serialize(new ApplyMentions("b:x:a", [new PositionedMention(null!, default)])));
    }

    /// <summary>
    /// A tripwire for the codec: a property added to a message or to a value it carries must be added to the
    /// wire layout too (DomainWireFormat / ClusterMessageTable), then to this list.
    /// </summary>
    [Theory]
    [InlineData(typeof(ApplyMentions), "EntityId,Mentions,Sequence")]
    [InlineData(typeof(PositionedMention), "Mention,Position")]
    [InlineData(typeof(MentionsApplied), "Failed,Observations,Sequence")]
    [InlineData(typeof(FailedMention), "ExceptionType,Index")]
    [InlineData(typeof(CustomerFailed), "Detail,EntityId,ExceptionType,Sequence")]
    [InlineData(typeof(MentionObservation), "Class,MayQuote")]
    [InlineData(typeof(ObserveBrandCounts), "EntityId,Minutes,Node,Sequence,Watermark")]
    [InlineData(typeof(BrandCountsObserved), "Brand")]
    [InlineData(typeof(BrandMinuteCounts), "Brand,LatestEventTime,MinuteBucket,Negative,Neutral,Positive,Samples")]
    [InlineData(typeof(Evidence), "Excerpt,MentionId,Platform")]
    [InlineData(typeof(StopCustomer), "")]
    [InlineData(typeof(ApplyProfile), "EntityId,Position,Profile,Sequence")]
    [InlineData(typeof(ProfileApplied), "Position,Sequence")]
    [InlineData(typeof(Mention), "Author,Brand,CreatedAt,CustomerId,Id,InReplyTo,Kind,Lang,Metrics,Platform,Rating,Sentiment,Text,Url")]
    [InlineData(typeof(Author), "Followers,Handle,Id,Verified")]
    [InlineData(typeof(EngagementMetrics), "Likes,Replies,Shares,Views")]
    [InlineData(typeof(SourcePosition), "Offset,Partition")]
    [InlineData(typeof(CustomerProfile), "Clv,ConsentProcessing,Segment,Tier")]
    public void The_wire_layout_covers_every_stored_property(Type type, string expected)
    {
        // Stored = has a backing field; computed properties such as Mention.EntityId are not data.
        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => !f.IsStatic)
            .Select(f => f.Name.StartsWith('<') ? f.Name[1..f.Name.IndexOf('>')] : f.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(expected, string.Join(",", fields));
    }
}
