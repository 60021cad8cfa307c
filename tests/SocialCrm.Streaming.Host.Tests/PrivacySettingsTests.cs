using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Privacy;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Privacy;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>Privacy:PseudonymKey and Privacy:PseudonymiseAuthors: validated at start-up, the key never printed; entity ids redacted to their pseudonyms.</summary>
public sealed class PrivacySettingsTests
{
    private const string Key = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="; // 32 bytes
    private static readonly EntityId Prospect = EntityId.ForProspect("acme", Platform.X, "jo_star");

    private static IReadOnlyList<string> Errors(params (string Setting, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "localhost:9092",
            ["Redis:Configuration"] = "localhost:6379",
        };
        foreach (var (setting, value) in settings)
        {
            values[setting] = value;
        }
        try
        {
            ConfigurationLoader.Bind(ConfigurationLoader.Build(values));
            return [];
        }
        catch (ConfigurationException ex)
        {
            return ex.Errors;
        }
    }

    [Theory]
    [InlineData("not base64 at all, a secret")]
    [InlineData("c2hvcnQga2V5IGEgc2VjcmV0")] // 18 bytes: too short
    public void A_bad_key_is_named_without_its_value(string key)
    {
        var error = Assert.Single(Errors(("Privacy:PseudonymKey", key)));
        Assert.StartsWith("Privacy:PseudonymKey must be base64 of at least 32 bytes", error, StringComparison.Ordinal);
        Assert.DoesNotContain(key, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Pseudonymising_authors_needs_a_key()
    {
        var error = Assert.Single(Errors(("Privacy:PseudonymiseAuthors", "true")));
        Assert.Contains("Privacy:PseudonymiseAuthors needs Privacy:PseudonymKey", error, StringComparison.Ordinal);
        Assert.Empty(Errors(("Privacy:PseudonymiseAuthors", "true"), ("Privacy:PseudonymKey", Key)));
    }

    [Fact]
    public void The_configured_key_gives_the_same_pseudonyms_on_every_node_and_none_gives_a_process_key()
    {
        var node1 = new PrivacyOptions { PseudonymKey = Key }.CreatePseudonymizer();
        var node2 = new PrivacyOptions { PseudonymKey = Key }.CreatePseudonymizer();
        Assert.Equal(node1.ForLog(Prospect), node2.ForLog(Prospect));
        Assert.Equal(node1.AuthorId(Platform.X, "jo_star"), node2.AuthorId(Platform.X, "jo_star"));
        Assert.NotEqual(new PrivacyOptions().CreatePseudonymizer().ForLog(Prospect), new PrivacyOptions().CreatePseudonymizer().ForLog(Prospect));
    }

    [Fact]
    public void The_redaction_framework_turns_an_entity_id_into_its_pseudonym()
    {
        var pseudonyms = new PrivacyOptions { PseudonymKey = Key }.CreatePseudonymizer();
        using var services = new ServiceCollection()
            .AddSingleton(pseudonyms)
            .AddRedaction(redaction => redaction.SetRedactor<EntityIdRedactor>(PrivacyClassifications.EntityId))
            .BuildServiceProvider();
        var redactor = services.GetRequiredService<IRedactorProvider>().GetRedactor(PrivacyClassifications.EntityId);
        var redacted = redactor.Redact(Prospect.Value);
        Assert.Equal(pseudonyms.ForLog(Prospect), redacted);
        Assert.StartsWith("acme:~", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("jo_star", redacted, StringComparison.Ordinal);
        Assert.Equal("", redactor.Redact("no entity id"));
    }
}
