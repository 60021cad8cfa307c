using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class IntentTests
{
    private static readonly EngagementEngine Engine = new(new RulesOptions
    {
        Competitors = ["Globex"],
        Brands = new() { ["acme"] = new BrandRules { Competitors = ["Virgin Media", "Initech"] } },
    });

    private static MentionAnalysis Analyze(string text, string brand = "acme") => Engine.Analyze(TestMentions.Make(text, brand: brand));

    private static void AssertEvidence(string text, IntentKind kind, string expected)
    {
        var match = Analyze(text).Find(kind);
        Assert.NotNull(match);
        Assert.Equal(expected, match.Text);
        Assert.Equal(expected, text.Substring(match.Start, match.Length));
    }

    [Theory]
    [InlineData("Honestly I'm going to cancel my subscription today.", "going to cancel")]
    [InlineData("How do I close my account?", "close my account")]
    [InlineData("Please cancel my contract, I've had enough", "cancel my")]
    public void Cancel_intent_with_evidence(string text, string evidence) => AssertEvidence(text, IntentKind.Cancel, evidence);

    [Fact]
    public void Completed_cancellation_is_marked()
    {
        var match = Analyze("Just cancelled my subscription. Bye.").Find(IntentKind.Cancel);
        Assert.NotNull(match);
        Assert.True(match.Completed);
        Assert.Equal("Just cancelled my", match.Text);
        var curly = Analyze("I\u2019m done with you people").Find(IntentKind.Cancel);
        Assert.NotNull(curly);
        Assert.True(curly.Completed);
    }

    [Theory]
    [InlineData("I'm not going to cancel my subscription, you fixed it")]
    [InlineData("The flight was cancelled again")]
    [InlineData("I would never cancel my plan")]
    public void No_cancel_intent(string text) => Assert.False(Analyze(text).Has(IntentKind.Cancel));

    [Fact]
    public void Switching_to_a_competitor_is_churn_and_names_it()
    {
        var text = "Fed up. Switching to GLOBEX next month!";
        var match = Analyze(text).Find(IntentKind.CompetitorSwitch);
        Assert.NotNull(match);
        Assert.Equal("Switching to GLOBEX", match.Text);
        Assert.Equal("Globex", match.Competitor);
        Assert.False(match.Completed);
        Assert.Equal(match.Text, text.Substring(match.Start, match.Length));

        var multi = Analyze("we are moving to virgin media.").Find(IntentKind.CompetitorSwitch);
        Assert.NotNull(multi);
        Assert.Equal("moving to virgin media", multi.Text);
        Assert.Equal("Virgin Media", multi.Competitor);

        var done = Analyze("I switched to initech last week").Find(IntentKind.CompetitorSwitch);
        Assert.NotNull(done);
        Assert.True(done.Completed);
    }

    [Theory]
    [InlineData("I switched from Globex to you and love it", "switched from Globex")]
    [InlineData("Left Globex for you guys, best decision", "Left Globex for")]
    public void Coming_from_a_competitor_is_not_churn(string text, string evidence)
    {
        var analysis = Analyze(text);
        Assert.False(analysis.Has(IntentKind.CompetitorSwitch));
        AssertEvidence(text, IntentKind.CompetitorWin, evidence);
    }

    [Fact]
    public void Competitors_are_per_brand()
    {
        // Initech is only acme's competitor; Globex is global.
        Assert.False(Analyze("switching to initech", brand: "other").Has(IntentKind.CompetitorSwitch));
        Assert.True(Analyze("switching to globex", brand: "other").Has(IntentKind.CompetitorSwitch));
        // A name that is not a competitor is not a switch.
        Assert.False(Analyze("switching to dark mode").Has(IntentKind.CompetitorSwitch));
    }

    [Theory]
    [InlineData("Where can I buy the new Acme headphones?", "Where can I buy")]
    [InlineData("how much is the premium plan", "how much")]
    [InlineData("I really want to buy one of these", "want to buy")]
    public void Purchase_intent(string text, string evidence) => AssertEvidence(text, IntentKind.Purchase, evidence);

    [Fact]
    public void Question_evidence_is_the_sentence()
    {
        AssertEvidence("Great phone. Does it support 5G??", IntentKind.Question, "Does it support 5G??");
        AssertEvidence("can you help me with my bill", IntentKind.Question, "can you help");
    }

    [Theory]
    [InlineData("My order never arrived and no response from support", IntentKind.Complaint, "never arrived")]
    [InlineData("Highly recommend acme, great service!", IntentKind.Praise, "Highly recommend")]
    [InlineData("This is the most horrible, disgusting experience", IntentKind.Complaint, "horrible")]
    public void Complaint_and_praise(string text, IntentKind kind, string evidence) => AssertEvidence(text, kind, evidence);

    [Fact]
    public void Happy_refund_is_not_a_complaint()
    {
        Assert.False(Analyze("Thanks so much for the quick refund, you are amazing!").Has(IntentKind.Complaint));
    }

    [Fact]
    public void Evidence_spans_always_index_the_text()
    {
        string[] texts =
        [
            "  \U0001F621 cancel my   account NOW!!! switching to globex 😡",
            "Where can I buy?? how much?! \u00e9t\u00e9 — I'm going to cancel my plan",
            "\"close my account\" (seriously) and left Globex for... nothing?",
            "worst. service. ever. refund!!!",
        ];
        foreach (var text in texts)
        {
            var analysis = Analyze(text);
            Assert.NotEmpty(analysis.Intents);
            foreach (var intent in analysis.Intents)
            {
                Assert.InRange(intent.Start, 0, text.Length - 1);
                Assert.InRange(intent.Start + intent.Length, 1, text.Length);
                Assert.Equal(intent.Text, text.Substring(intent.Start, intent.Length));
            }
        }
    }
}
