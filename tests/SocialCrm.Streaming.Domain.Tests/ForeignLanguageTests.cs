using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Tests;

/// <summary>
/// Sentiment beyond English: Spanish, Portuguese, French, German, Chinese and Persian are scored with their own
/// word lists (translated AFINN-165) with low confidence, by the declared <c>lang</c> or, undeclared, a guessed one.
/// No labelled data set in these languages is available here, so these check behaviour, not accuracy.
/// </summary>
public sealed class ForeignLanguageTests
{
    private static readonly EngagementEngine Engine = new(new RulesOptions());

    [Theory]
    [InlineData("es", "El servicio es excelente, muy bueno", 1)]
    [InlineData("es", "El servicio es terrible y malo", -1)]
    [InlineData("pt", "O atendimento foi ótimo, muito bom", 1)]
    [InlineData("pt", "O atendimento foi horrível", -1)]
    [InlineData("fr", "Le service est excellent, j'aime beaucoup", 1)]
    [InlineData("fr", "Le service est horrible et mauvais", -1)]
    [InlineData("de", "Der Service ist super und gut", 1)]
    [InlineData("de", "Der Service ist schrecklich und schlecht", -1)]
    [InlineData("zh", "我对这次服务非常满意", 1)]
    [InlineData("zh", "这次服务太糟糕了，我很失望", -1)]
    [InlineData("fa", "سرویس عالی و خوب بود", 1)]
    [InlineData("fa", "سرویس بد و وحشتناک بود", -1)]
    public void Declared_languages_are_scored_with_their_own_words_with_low_confidence(string lang, string text, int sign)
    {
        var analysis = Engine.Analyze(TestMentions.Make(text, lang: lang));
        Assert.Equal(sign, Math.Sign(analysis.Compound));
        Assert.Equal(SentimentConfidence.Low, analysis.Confidence);
        Assert.Equal(lang, analysis.Language.Code);
    }

    [Theory]
    [InlineData("es", "El producto no es bueno")]
    [InlineData("pt", "O produto não é bom")]
    [InlineData("fr", "Je n'aime pas ce produit")]
    [InlineData("de", "Das Produkt ist nicht gut")]
    [InlineData("zh", "这个产品不满意")]
    public void A_negated_good_word_is_negative(string lang, string text)
    {
        var analysis = Engine.Analyze(TestMentions.Make(text, lang: lang));
        Assert.True(analysis.Compound < 0, $"{text}: {analysis.Compound}");
    }

    [Theory]
    [InlineData("El servicio es excelente y el precio está muy bien", "es")]
    [InlineData("O atendimento foi ótimo e você não precisa esperar", "pt")]
    [InlineData("Le service est excellent et je suis très content", "fr")]
    [InlineData("Der Service ist gut und ich bin sehr zufrieden", "de")]
    [InlineData("我对这次服务非常满意", "zh")]
    [InlineData("سرویس عالی و خوب بود", "fa")]
    [InlineData("The service was great and I am very happy with it", "en")]
    public void Undeclared_languages_are_guessed(string text, string expected)
    {
        var analysis = Engine.Analyze(TestMentions.Make(text));
        Assert.Equal(expected, analysis.Language.Code);
        Assert.False(analysis.Language.Declared);
    }

    [Fact]
    public void Arabic_is_not_taken_for_persian()
    {
        var analysis = Engine.Analyze(TestMentions.Make("الخدمة ممتازة جدا"));
        Assert.Equal("und", analysis.Language.Code);
    }

    [Fact]
    public void Region_subtags_select_the_language()
    {
        var analysis = Engine.Analyze(TestMentions.Make("O atendimento foi ótimo", lang: "pt-BR"));
        Assert.Equal(SentimentConfidence.Low, analysis.Confidence);
        Assert.True(analysis.Compound > 0);
    }

    [Fact]
    public void Every_word_list_is_embedded()
    {
        foreach (var code in ForeignLexicon.Languages)
        {
            Assert.True(ForeignLexicon.For(code)!.Count > 1000, code);
        }
        Assert.Null(ForeignLexicon.For("ja"));
    }
}
