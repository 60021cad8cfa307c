using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Rules;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Domain.Tests;

public sealed class SentimentTests(ITestOutputHelper output)
{
    private static readonly MentionAnalyzer Analyzer = new();

    /// <summary>
    /// English stays as good as the reference: Pearson r of the compound against the mean human rating of each of
    /// the 4,200 tweets of the VADER paper (Data/README.md) at or above the reference implementation's 0.872.
    /// </summary>
    [Fact]
    public void English_compound_correlates_with_the_human_ratings_of_the_vader_tweets()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "vader_tweets_GroundTruth.txt"))
            .Select(line => line.Split('\t', 3))
            .Where(cells => cells.Length == 3)
            .Select(cells => (Human: double.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture), Text: cells[2]))
            .ToList();
        var human = rows.Select(r => r.Human).ToArray();
        var declared = Pearson(human, [.. rows.Select(r => Analyzer.Analyze(r.Text, "en", null, CompetitorSet.Empty).Compound)]);
        // Undeclared, as most tweets arrive: the language guess must not take English tweets for another language. Lower
        // than declared because short undeclared text without English function words is scored as unknown (0): 0.8528
        // before other languages were guessed, 0.8527 since (the set's one Spanish tweet is now scored in Spanish).
        var undeclared = Pearson(human, [.. rows.Select(r => Analyzer.Analyze(r.Text, null, null, CompetitorSet.Empty).Compound)]);
        output.WriteLine($"VADER tweets: n = {rows.Count}, Pearson r = {declared:0.0000} (lang en), {undeclared:0.0000} (lang undeclared)");
        Assert.Equal(4200, rows.Count);
        Assert.True(declared >= 0.872, $"Pearson r {declared:0.0000} is below the reference implementation's 0.872");
        Assert.True(undeclared >= 0.852, $"Pearson r {undeclared:0.0000} (undeclared) is below the 0.852 it had before other languages were guessed");
    }

    private static double Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    [Fact]
    public void Lexicon_is_embedded_and_loaded()
    {
        Assert.True(SentimentLexicon.Default.Count > 7400, $"lexicon has {SentimentLexicon.Default.Count} entries");
        Assert.True(SentimentLexicon.Default.TryGetValence("GOOD", out var good));
        Assert.Equal(1.9f, good);
    }

    // The examples of the vaderSentiment README (cjhutto/vaderSentiment) and the sign VADER gives them.
    [Theory]
    [InlineData("VADER is smart, handsome, and funny.", 1)]
    [InlineData("VADER is smart, handsome, and funny!", 1)]
    [InlineData("VADER is very smart, handsome, and funny.", 1)]
    [InlineData("VADER is VERY SMART, handsome, and FUNNY.", 1)]
    [InlineData("VADER is VERY SMART, handsome, and FUNNY!!!", 1)]
    [InlineData("VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 1)]
    [InlineData("VADER is not smart, handsome, nor funny.", -1)]
    [InlineData("The book was good.", 1)]
    [InlineData("At least it isn't a horrible book.", 1)]
    [InlineData("The book was only kind of good.", 1)]
    [InlineData("The plot was good, but the characters are uncompelling and the dialog is not great.", -1)]
    [InlineData("Today SUX!", -1)]
    [InlineData("Today only kinda sux! But I'll get by, lol", 1)]
    [InlineData("Make sure you :) or :D today!", 1)]
    [InlineData("Catch utf-8 emoji such as 💘 and 💋 and 😁", 1)]
    [InlineData("Not bad at all", 1)]
    [InlineData("Most automated sentiment analysis tools are shit.", -1)]
    [InlineData("Sentiment analysis has never been good.", -1)]
    [InlineData("Sentiment analysis with VADER has never been this good.", 1)]
    [InlineData("Warren Beatty has never been so entertaining.", 1)]
    [InlineData("He's not going to fail", 1)]
    [InlineData("What a day! 😡", -1)]
    public void Agrees_in_sign_with_published_vader_examples(string text, int sign)
    {
        var compound = Analyzer.Compound(text);
        output.WriteLine($"{compound,8:0.0000}  {text}");
        Assert.Equal(sign, Math.Sign(compound));
    }

    [Theory]
    [InlineData("VADER is smart, handsome, and funny.", 0.8316)]
    [InlineData("The book was good.", 0.4404)]
    [InlineData("Today SUX!", -0.5461)]
    [InlineData("Not bad at all", 0.431)]
    public void Matches_published_compound_values(string text, double expected)
    {
        Assert.Equal(expected, Analyzer.Compound(text), 3);
    }

    [Fact]
    public void Kind_of_dampens_like_published_vader()
    {
        Assert.Equal(0.3832, Analyzer.Compound("The book was only kind of good."), 3);
    }

    [Fact]
    public void Emphasis_boosters_and_caps_raise_intensity()
    {
        var plain = Analyzer.Compound("VADER is smart, handsome, and funny.");
        var bang = Analyzer.Compound("VADER is smart, handsome, and funny!");
        var very = Analyzer.Compound("VADER is very smart, handsome, and funny.");
        var caps = Analyzer.Compound("VADER is VERY SMART, handsome, and FUNNY.");
        Assert.True(bang > plain, $"{bang} > {plain}");
        Assert.True(very > plain, $"{very} > {plain}");
        Assert.True(caps > very, $"{caps} > {very}");
        Assert.True(Analyzer.Compound("The book was only kind of good.") < Analyzer.Compound("The book was good."));
    }

    [Fact]
    public void Compound_is_bounded_and_deterministic()
    {
        var text = string.Concat(Enumerable.Repeat("AMAZING!!! love love love ", 200));
        var first = Analyzer.Compound(text);
        Assert.InRange(first, -1, 1);
        Assert.Equal(first, Analyzer.Compound(text));
        Assert.Equal(0, Analyzer.Compound(""));
    }

    [Fact]
    public void Amazon_cells_binary_accuracy()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "amazon_cells_labelled.txt"));
        int correct = 0, total = 0;
        foreach (var line in lines)
        {
            var tab = line.LastIndexOf('\t');
            if (tab < 0) continue;
            var label = line[(tab + 1)..].Trim() == "1";
            var predicted = Analyzer.Compound(line[..tab]) >= 0;
            total++;
            if (predicted == label) correct++;
        }
        var accuracy = (double)correct / total;
        output.WriteLine($"amazon_cells_labelled: {correct}/{total} = {accuracy:0.0000}");
        Assert.Equal(1000, total);
        Assert.True(accuracy >= 0.75, $"accuracy {accuracy:0.0000}");
    }

    [Fact]
    public void Upstream_sentiment_wins()
    {
        var engine = new EngagementEngine(new RulesOptions());
        var analysis = engine.Analyze(TestMentions.Make("I love it, best purchase ever!", sentiment: -0.8));
        Assert.Equal(-0.8, analysis.Compound);
        Assert.Equal(SentimentClass.Negative, analysis.Class);
        Assert.True(analysis.FromUpstream);
    }

    [Fact]
    public void Non_english_without_lexicon_coverage_is_unknown_not_neutral()
    {
        var engine = new EngagementEngine(new RulesOptions());
        var german = engine.Analyze(TestMentions.Make("Der Kundendienst hat mich heute wieder warten lassen", lang: "de"));
        Assert.Equal(0, german.Compound);
        Assert.Equal(SentimentConfidence.None, german.Confidence);
        Assert.Equal("de", german.Language.Code);

        var japanese = engine.Analyze(TestMentions.Make("カスタマーサービスは最悪です"));
        Assert.True(japanese.Language.NonLatinScript);
        Assert.Equal("und", japanese.Language.Code);
        Assert.Equal(SentimentConfidence.None, japanese.Confidence);

        // Emoji carry across languages: enough coverage keeps the score, with low confidence.
        var spanish = engine.Analyze(TestMentions.Make("pésimo 😡😡", lang: "es"));
        Assert.Equal(SentimentConfidence.Low, spanish.Confidence);
        Assert.True(spanish.Compound < 0);

        var english = engine.Analyze(TestMentions.Make("the support was terrible"));
        Assert.Equal("en", english.Language.Code);
        Assert.Equal(SentimentConfidence.High, english.Confidence);
    }
}
