using System.Text;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Tests;

/// <summary>
/// Inputs that made a parser throw (found in production or by the fuzz tests, tests/SocialCrm.Streaming.Fuzz.Tests)
/// and the policies for odd values: each gives a mention, a profile or a rejection naming the field, never an exception.
/// </summary>
public sealed class HostileInputTests
{
    /// <summary>A valid mention written by hand, so that escapes reach the parser exactly as sent.</summary>
    private static string Mention(string text = "\"fine\"", string createdAt = "\"2026-11-23T10:15:00Z\"", string extra = "", string customerId = "\"C-1\"") =>
        "{\"id\":\"m1\",\"platform\":\"x\",\"brand\":\"acme\",\"customerId\":" + customerId + ",\"author\":{\"id\":\"a1\"},\"text\":" + text
        + ",\"createdAt\":" + createdAt + extra + "}";

    private static ParseOutcome Parse(string json) => MentionParser.Parse(Encoding.UTF8.GetBytes(json));

    public static TheoryData<string, RejectReason, string> Rejected => new()
    {
        // The production instance: a lone surrogate escape in a string field stopped a node's stream.
        { Mention(text: "\"\\ud800\""), RejectReason.InvalidText, "text" },
        { Mention(text: "\"ok \\uDE21\\uD83D reversed pair\""), RejectReason.InvalidText, "text" },
        // Found by fuzzing: the same in a field name, a nested field name and the timestamp.
        { Mention(extra: ",\"\\uDE21\":1"), RejectReason.InvalidText, "field name" },
        { Mention().Replace("{\"id\":\"a1\"}", "{\"id\":\"a1\",\"\\uD91El\":-9}"), RejectReason.InvalidText, "author" },
        { Mention(createdAt: "\"\\uDC5D\\u3a72tL\""), RejectReason.InvalidText, "createdAt" },
        { Mention(createdAt: "\"2026-11-23T10:15:00\\uD800\""), RejectReason.InvalidText, "createdAt" },
        // ... and in the short fields read without making a string of them.
        { Mention().Replace("\"platform\":\"x\"", "\"platform\":\"\\ud800\"", StringComparison.Ordinal), RejectReason.InvalidText, "platform" },
        { Mention().Replace("\"brand\":\"acme\"", "\"brand\":\"ac\\udc00me\"", StringComparison.Ordinal), RejectReason.InvalidText, "brand" },
        { Mention(extra: ",\"kind\":\"\\uDE21post\""), RejectReason.InvalidText, "kind" },
        { Mention(extra: ",\"lang\":\"en\\uD800\""), RejectReason.InvalidText, "lang" },
        { Mention().Replace("\"brand\":\"acme\"", "\"brand\":\"" + string.Concat(Enumerable.Repeat("\\u0061", 65)) + "\"", StringComparison.Ordinal), RejectReason.InvalidField, "brand" },
        // Duplicate known fields are ambiguous: rejected, not "last wins".
        { Mention(extra: ",\"text\":\"other\""), RejectReason.DuplicateField, "text" },
        { Mention(extra: ",\"createdAt\":\"2026-11-23T10:16:00Z\""), RejectReason.DuplicateField, "createdAt" },
        { Mention().Replace("{\"id\":\"a1\"}", "{\"id\":\"a1\",\"id\":\"a2\"}"), RejectReason.DuplicateField, "author.id" },
        { Mention(extra: ",\"metrics\":{\"likes\":1,\"likes\":2}"), RejectReason.DuplicateField, "metrics.likes" },
        // Extreme numbers.
        { Mention(extra: ",\"rating\":1e309"), RejectReason.InvalidField, "rating" },
        { Mention(extra: ",\"sentiment\":-1e309"), RejectReason.InvalidField, "sentiment" },
        { Mention(extra: ",\"metrics\":{\"views\":9223372036854775808}"), RejectReason.InvalidField, "metrics.views" },
        // Event time outside the contract's era, or not RFC 3339 with an offset.
        { Mention(createdAt: "\"9999-12-31T23:59:59Z\""), RejectReason.EventTimeOutOfRange, "createdAt" },
        { Mention(createdAt: "\"0001-01-01T00:00:00Z\""), RejectReason.EventTimeOutOfRange, "createdAt" },
        { Mention(createdAt: "\"1969-12-31T23:59:59Z\""), RejectReason.EventTimeOutOfRange, "createdAt" },
        { Mention(createdAt: "\"9999-12-31T23:59:59-01:00\""), RejectReason.InvalidField, "createdAt" },
        { Mention(createdAt: "\"0001-01-01T00:00:00+01:00\""), RejectReason.InvalidField, "createdAt" },
        { Mention(createdAt: "\"2026-12-31T23:59:60Z\""), RejectReason.InvalidField, "createdAt" },
        { Mention(createdAt: "\"2026-11-23 10:15:00Z\""), RejectReason.InvalidField, "createdAt" },
        // A customer id with a colon would be the entity of a prospect (acme:x:123).
        { Mention(customerId: "\"x:123\""), RejectReason.InvalidField, "customerId" },
        { Mention(customerId: "\"\\u003a\""), RejectReason.InvalidField, "customerId" },
        // Nesting and size.
        { Mention(extra: ",\"x\":" + new string('[', 5_000) + new string(']', 5_000)), RejectReason.TooDeep, "nesting" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void A_hostile_mention_is_rejected_with_a_reason_naming_the_field(string json, RejectReason reason, string detail)
    {
        var rejection = Parse(json).Rejection;
        Assert.NotNull(rejection);
        Assert.Equal(reason, rejection.Reason);
        Assert.Contains(detail, rejection.Detail);
    }

    public static TheoryData<string, DateTimeOffset> AcceptedTimes => new()
    {
        { "\"1970-01-01T00:00:00Z\"", DateTimeOffset.UnixEpoch },
        { "\"2199-12-31T23:59:59Z\"", new DateTimeOffset(2199, 12, 31, 23, 59, 59, TimeSpan.Zero) },
        { "\"2026-11-23T10:15:00.9999999-14:00\"", new DateTimeOffset(2026, 11, 24, 0, 15, 0, TimeSpan.Zero).AddTicks(9_999_999) },
        { "\"2026-11-23T10:15Z\"", new DateTimeOffset(2026, 11, 23, 10, 15, 0, TimeSpan.Zero) },
        { "\"2026-11-23T10:15:00\\u002B01:00\"", new DateTimeOffset(2026, 11, 23, 9, 15, 0, TimeSpan.Zero) },
    };

    [Theory]
    [MemberData(nameof(AcceptedTimes))]
    public void Event_times_within_the_contract_are_read_exactly(string createdAt, DateTimeOffset expected)
    {
        var outcome = Parse(Mention(createdAt: createdAt));
        Assert.True(outcome.IsValid, outcome.Rejection?.ToString());
        Assert.Equal(expected, outcome.Mention!.CreatedAt);
    }

    [Fact]
    public void Odd_but_valid_values_are_accepted()
    {
        var outcome = Parse("\uFEFF" + Mention(text: "\"\\ud83d\\ude21 paired surrogates are text\"", extra: ",\"sentiment\":-0,\"rating\":5e0,\"unknown\":\"\\ud800 is not inspected\""));
        Assert.True(outcome.IsValid, outcome.Rejection?.ToString());
        Assert.Equal("😡 paired surrogates are text", outcome.Mention!.Text);
        Assert.Equal(0, outcome.Mention.Sentiment);
        Assert.Equal(5, outcome.Mention.Rating);
    }

    [Fact]
    public void A_customer_entity_never_equals_a_prospect_entity()
    {
        Assert.Throws<ArgumentException>(() => EntityId.ForCustomer("acme", "x:123"));
        Assert.False(EntityId.IsCustomerId("x:123"));
        Assert.NotEqual(EntityId.ForCustomer("acme", "x-123"), EntityId.ForProspect("acme", Platform.X, "123"));
        Assert.True(EntityId.TryParseCustomer("acme:C-1", out var customer));
        Assert.Equal("C-1", customer.LocalId);
        Assert.False(EntityId.TryParseCustomer("acme:x:123", out _));
        Assert.False(EntityId.TryParseCustomer("acme:", out _));
    }

    [Fact]
    public void A_customer_key_holds_only_a_brand_and_an_id_a_mention_could_carry()
    {
        Assert.True(EntityId.TryParseCustomer("acme:" + new string('c', MentionParser.MaxIdLength), out _));
        Assert.False(EntityId.TryParseCustomer("acme:" + new string('c', MentionParser.MaxIdLength + 1), out _));
        Assert.False(EntityId.TryParseCustomer("Acme:C-1", out _));
        Assert.False(EntityId.TryParseCustomer(new string('b', 65) + ":C-1", out _));
        Assert.True(EntityId.TryParseCustomerOrProspect("acme:x:" + new string('a', MentionParser.MaxIdLength), out _));
        Assert.False(EntityId.TryParseCustomerOrProspect("acme:x:" + new string('a', MentionParser.MaxIdLength + 1), out _));
    }

    [Theory]
    [InlineData("acme:C-1", true)]
    [InlineData("acme:x:123", true)]
    [InlineData("acme:forum:user:with:colons", true)]
    [InlineData("acme:myspace:123", false)]
    [InlineData("acme:x:", false)]
    [InlineData("acme:", false)]
    [InlineData("acme", false)]
    [InlineData("ACME:C-1", false)]
    [InlineData("ac}me:C-1", false)]
    [InlineData("ACME:x:123", false)]
    public void A_tombstone_key_names_a_customer_or_a_prospect_of_a_known_platform(string key, bool valid)
    {
        Assert.Equal(valid, EntityId.TryParseCustomerOrProspect(key, out var id));
        Assert.Equal(valid ? key : null, id.Value);
    }

    public static TheoryData<string, RejectReason, string> RejectedProfileLines => new()
    {
        // Found by fuzzing: field names that are not text made the lookup throw.
        { "{\"\\uDF99\":\"x\",\"key\":\"acme:C-1\"}", RejectReason.InvalidText, "name" },
        { "{\"key\":\"acme:C-1\",\"segment\":\"\\ud800\"}", RejectReason.InvalidText, "string" },
        // A brand or customer id that is not a string threw InvalidOperationException from GetString.
        { "{\"brand\":1,\"customerId\":\"C-1\"}", RejectReason.InvalidProfile, "brand" },
        { "{\"brand\":\"acme\",\"customerId\":[\"C-1\"]}", RejectReason.InvalidProfile, "customerId" },
        { "{\"key\":\"acme:x:123\",\"valueTier\":\"gold\"}", RejectReason.InvalidProfile, "key" },
        { "{\"key\":\"acme:C-1\",\"clv\":1e309}", RejectReason.InvalidProfile, "clv" },
        { "{\"key\":\"acme:C-1\",\"valueTier\":\"gold\",\"valueTier\":\"bronze\"}", RejectReason.DuplicateField, "valueTier" },
        { "{\"key\":\"acme:C-1\",\"key\":\"acme:C-2\"}", RejectReason.DuplicateField, "key" },
        { "{\"key\":\"acme:C-1\",\"value\":{\"consent\":{\"processing\":true,\"processing\":false}}}", RejectReason.DuplicateField, "consent.processing" },
        { "{\"key\":\"acme:C-1\",\"x\":" + new string('[', 100) + new string(']', 100) + "}", RejectReason.InvalidProfile, "depth" },
        { "\u0001", RejectReason.InvalidProfile, "not a customer profile" },
    };

    [Theory]
    [MemberData(nameof(RejectedProfileLines))]
    public void A_hostile_profile_line_is_rejected_with_a_reason(string line, RejectReason reason, string detail)
    {
        Assert.False(CustomerProfileJson.TryParseLine(Encoding.UTF8.GetBytes(line), out _, out _, out var rejection));
        Assert.Equal(reason, rejection.Reason);
        Assert.Contains(detail, rejection.Detail);
    }

    [Fact]
    public void A_profile_value_with_a_bom_and_odd_numbers_is_read()
    {
        Assert.True(CustomerProfileJson.TryParseValue(Encoding.UTF8.GetBytes("\uFEFF{\"valueTier\":\"gold\",\"clv\":-0,\"segment\":\"\\ud83d\\ude21\"}"), out var profile, out var rejection),
            rejection?.ToString());
        Assert.Equal(new CustomerProfile(ValueTier.Gold, 0, "😡", ConsentProcessing: false), profile); // no consent field: no consent
        Assert.False(CustomerProfileJson.TryParseValue([0xC3, 0x28], out _, out var notUtf8));
        Assert.Equal(RejectReason.InvalidUtf8, notUtf8.Reason);
        Assert.False(CustomerProfileJson.TryParseValue(new byte[MentionParser.MaxPayloadBytes + 1], out _, out var tooLarge));
        Assert.Equal(RejectReason.TooLarge, tooLarge.Reason);
    }
}
