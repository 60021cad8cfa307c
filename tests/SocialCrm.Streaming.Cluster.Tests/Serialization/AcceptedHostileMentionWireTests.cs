using System.Text;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Cluster.Tests.Serialization;

/// <summary>
/// Whatever the parser accepts crosses the cluster unchanged: mentions at the edges of the contract (the first and
/// last instants, odd offsets, escaped text, huge counts, -0) round-trip through the wire format.
/// </summary>
public sealed class AcceptedHostileMentionWireTests
{
    public static TheoryData<string> Accepted => new()
    {
        """{"id":"m1","platform":"x","brand":"acme","author":{"id":"a"},"text":"epoch","createdAt":"1970-01-01T00:00:00Z"}""",
        """{"id":"m2","platform":"x","brand":"acme","author":{"id":"a"},"text":"last instant","createdAt":"2199-12-31T23:59:59.9999999Z"}""",
        """{"id":"m3","platform":"x","brand":"acme","author":{"id":"a"},"text":"offset","createdAt":"2026-11-23T10:15:00.1234567-14:00"}""",
        """{"id":"m4","platform":"review","brand":"b","customerId":"\u00e9\ud83d\ude21","author":{"id":"\u0000","handle":"","followers":9223372036854775807},"text":"\ud83d\ude21\u2028\u0007\"","createdAt":"2026-11-23T10:15:00+05:30","sentiment":-0,"rating":5,"metrics":{"likes":9223372036854775807,"shares":0,"replies":1,"views":9223372036854775807}}""",
        "\uFEFF" + """{"id":"m5","platform":"other","brand":"-","author":{"id":"a"},"text":"","createdAt":"2026-11-23T10:15Z","kind":"dm","lang":"zh-Hant-TW","inReplyTo":"m4"}""",
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void An_accepted_mention_round_trips_through_the_wire_format(string json)
    {
        var outcome = MentionParser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.True(outcome.IsValid, outcome.Rejection?.ToString());
        var mention = outcome.Mention!;
        var message = new ApplyMentions(mention.EntityId.Value, [new PositionedMention(mention, new SourcePosition(1, 2))]);

        var back = (ApplyMentions)ClusterMessageTable.Deserialize(ClusterMessageTable.Serialize(message), ClusterMessageTable.ForType(typeof(ApplyMentions)).Manifest);

        var received = Assert.Single(back.Mentions);
        Assert.Equal(mention, received.Mention);
        Assert.Equal(mention.CreatedAt.Offset, received.Mention.CreatedAt.Offset);
        Assert.Equal(message.EntityId, back.EntityId);
    }
}
