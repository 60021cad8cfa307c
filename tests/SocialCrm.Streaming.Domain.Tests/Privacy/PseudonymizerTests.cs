using System.Security.Cryptography;
using System.Text;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Privacy;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Tests.Privacy;

public sealed class PseudonymizerTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("a test key of thirty-two bytes!!");
    private static readonly EntityId Prospect = EntityId.ForProspect("acme", Platform.X, "jo_star");

    [Fact]
    public void A_pseudonym_is_the_keyed_hmac_sha256_and_the_same_for_every_instance_with_the_key()
    {
        var label = new Pseudonymizer(Key).ForLog(Prospect);
        Assert.Equal(label, new Pseudonymizer(Key.ToArray()).ForLog(Prospect));
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes("entity\0x:jo_star"))[..16]);
        Assert.Equal("acme:~" + expected, label);
        Assert.DoesNotContain("jo_star", label, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_key_or_another_purpose_gives_another_pseudonym()
    {
        var other = new byte[Key.Length];
        Key.CopyTo(other, 0);
        other[0] ^= 1;
        Assert.NotEqual(new Pseudonymizer(Key).ForLog(Prospect), new Pseudonymizer(other).ForLog(Prospect));
        Assert.NotEqual(new Pseudonymizer(Key).ForLog(Prospect)[6..], new Pseudonymizer(Key).AuthorId(Platform.X, "jo_star"));
        Assert.NotEqual(new Pseudonymizer(Key).AuthorId(Platform.X, "jo_star"), new Pseudonymizer(Key).AuthorId(Platform.Facebook, "jo_star"));
    }

    [Fact]
    public void A_short_key_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Pseudonymizer(new byte[Pseudonymizer.MinKeyBytes - 1]));
        Assert.Contains("32 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrub_replaces_the_id_and_its_local_part_in_a_message()
    {
        var pseudonyms = new Pseudonymizer(Key);
        var scrubbed = pseudonyms.Scrub("WRONGTYPE on key scrm:{acme}:customer:x:jo_star for acme:x:jo_star", Prospect);
        Assert.DoesNotContain("jo_star", scrubbed, StringComparison.Ordinal);
        Assert.Contains(pseudonyms.ForLog(Prospect), scrubbed, StringComparison.Ordinal);
        Assert.Equal("nothing to hide", pseudonyms.Scrub("nothing to hide", Prospect));
    }

    [Fact]
    public void A_prospect_mention_loses_its_author_id_handle_and_link_and_a_customer_mention_is_kept()
    {
        var pseudonyms = new Pseudonymizer(Key);
        var prospect = TestMentions.Make("Worst service, disgusting", authorId: "jo_star", handle: "@jo_star") with { Url = "https://x.com/jo_star/status/1" };
        var pseudonymised = pseudonyms.PseudonymiseAuthor(prospect);
        Assert.Equal(EntityId.ForProspect("acme", Platform.X, pseudonyms.AuthorId(Platform.X, "jo_star")), pseudonymised.EntityId);
        Assert.Null(pseudonymised.Author.Handle);
        Assert.Null(pseudonymised.Url);
        Assert.Equal(prospect.Author.Followers, pseudonymised.Author.Followers);
        Assert.Equal(pseudonymised, pseudonyms.PseudonymiseAuthor(prospect));

        var customer = TestMentions.Make("hi", customerId: "C-1", authorId: "jo_star");
        Assert.Same(customer, pseudonyms.PseudonymiseAuthor(customer));
    }

    [Fact]
    public void An_influencer_alert_on_a_pseudonymised_prospect_names_no_author()
    {
        var pseudonyms = new Pseudonymizer(Key);
        var replay = new ReplayEngine(new RulesOptions());
        var post = TestMentions.Make("@acme your update deleted all my photos. Worst service ever, absolutely disgusting.",
            authorId: "jo_star", handle: "jo_star", followers: 1_200_000, verified: true, id: "p1");
        var signals = new List<DomainSignal>();
        replay.Process(pseudonyms.PseudonymiseAuthor(post), new SourcePosition(0, 0), signals);
        var alert = Assert.Single(signals.OfType<CrisisAlert>());
        var json = alert.ToJsonString();
        Assert.DoesNotContain("jo_star", json, StringComparison.Ordinal);
        Assert.Contains(pseudonyms.AuthorId(Platform.X, "jo_star"), alert.EntityId, StringComparison.Ordinal);
    }
}
