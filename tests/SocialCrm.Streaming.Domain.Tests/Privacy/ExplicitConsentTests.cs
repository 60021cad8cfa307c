using System.Text;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Tests.Privacy;

/// <summary>Only <c>"consent":{"processing":true}</c> is consent; any other answer is no consent and the rest of the profile applies.</summary>
public sealed class ExplicitConsentTests
{
    [Theory]
    [InlineData("""{"valueTier":"gold","consent":{"processing":true}}""", true)]
    [InlineData("""{"valueTier":"gold","consent":{"processing":false}}""", false)]
    [InlineData("""{"valueTier":"gold"}""", false)]
    [InlineData("""{"valueTier":"gold","consent":null}""", false)]
    [InlineData("""{"valueTier":"gold","consent":true}""", false)]
    [InlineData("""{"valueTier":"gold","consent":{}}""", false)]
    [InlineData("""{"valueTier":"gold","consent":{"processing":null}}""", false)]
    [InlineData("""{"valueTier":"gold","consent":{"processing":"true"}}""", false)]
    [InlineData("""{"valueTier":"gold","consent":{"processing":"yes"}}""", false)]
    [InlineData("""{"valueTier":"gold","consent":{"processing":1}}""", false)]
    [InlineData("""{"valueTier":"gold","consent":{"processing":[true]}}""", false)]
    [InlineData("""{"valueTier":"gold","consent":{"Processing":true}}""", false)]
    public void Only_an_explicit_true_is_consent(string json, bool consent)
    {
        Assert.True(CustomerProfileJson.TryParseValue(Encoding.UTF8.GetBytes(json), out var profile, out var rejection), rejection?.ToString());
        Assert.Equal(consent, profile.ConsentProcessing);
        Assert.Equal(ValueTier.Gold, profile.Tier);
    }

    [Fact]
    public void A_replay_line_without_consent_is_no_consent_too()
    {
        Assert.True(CustomerProfileJson.TryParseLine("""{"key":"acme:C-1","value":{"valueTier":"bronze","clv":12}}"""u8, out var id, out var profile, out var rejection),
            rejection?.ToString());
        Assert.Equal("acme:C-1", id.Value);
        Assert.False(profile!.ConsentProcessing);
    }

    [Theory]
    [InlineData("""{"valueTier":"platinum","consent":{"processing":true}}""", true)]
    [InlineData("""{"valueTier":"platinum"}""", false)]
    [InlineData("""{"valueTier":"platinum","consent":{"processing":"yes"}}""", false)]
    public void A_churner_whose_profile_lacks_consent_raises_no_trigger_and_quotes_no_text(string profileJson, bool consent)
    {
        var replay = new ReplayEngine(new RulesOptions { Competitors = ["globex"] });
        Assert.True(CustomerProfileJson.TryParseValue(Encoding.UTF8.GetBytes(profileJson), out var profile, out var rejection), rejection?.ToString());
        replay.ApplyProfile(EntityId.ForCustomer("acme", "C-1"), profile);
        var texts = new[]
        {
            "My internet is down again, this is unacceptable.", "Still waiting for a technician. Terrible service.",
            "Refund now, worst company ever.", "I'm going to cancel my subscription and switch to globex",
        };
        var signals = new List<DomainSignal>();
        for (var i = 0; i < texts.Length; i++)
        {
            replay.Process(TestMentions.Make(texts[i], customerId: "C-1", id: $"c{i}", at: TestMentions.T0.AddHours(i)), new SourcePosition(0, i), signals);
        }
        var triggers = signals.OfType<LifecycleTrigger>().ToList();
        if (consent)
        {
            Assert.Contains(triggers, t => t.Type == TriggerType.Retention);
        }
        else
        {
            Assert.Empty(triggers);
            Assert.All(signals.SelectMany(s => s is CrisisAlert a ? a.Evidence : []), e => Assert.Equal(Excerpts.Withheld, e.Excerpt));
        }
    }
}
