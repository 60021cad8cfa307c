using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Host.Configuration;

namespace SocialCrm.Streaming.CareConsole.Tests;

/// <summary>`socialcrm console` settings: bound from Console:*, Redis:* (flags, SOCIALCRM__* or appsettings.json); bad ones named at start.</summary>
public sealed class ConsoleSettingsTests
{
    [Fact]
    public void Settings_bind_from_their_documented_names()
    {
        var options = ConsoleCommand.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = "redis:6379",
            ["Redis:KeyPrefix"] = "care",
            ["Console:Auth:Authority"] = "https://login.example.com/realms/care",
            ["Console:Auth:Audience"] = "socialcrm-console",
            ["Console:Auth:BrandsClaim"] = "care_brands",
            ["Console:Kafka:BootstrapServers"] = "kafka:9093",
            ["Console:Kafka:Properties:security.protocol"] = "SASL_SSL",
            ["Console:Kafka:Properties:sasl.mechanism"] = "SCRAM-SHA-512",
            ["Console:Kafka:Properties:sasl.username"] = "console",
            ["Console:Kafka:Properties:sasl.password"] = "console-secret",
        }));
        Assert.Equal(("redis:6379", "care"), (options.RedisConfiguration, options.KeyPrefix));
        Assert.Equal(("https://login.example.com/realms/care", "socialcrm-console", "care_brands", "preferred_username"),
            (options.Auth.Authority, options.Auth.Audience, options.Auth.BrandsClaim, options.Auth.NameClaim));
        Assert.Equal(("kafka:9093", "social.cases.events"), (options.Kafka.BootstrapServers, options.Kafka.CaseEventsTopic));
        Assert.Equal("SASL_SSL", options.Kafka.Properties["security.protocol"]);
        Assert.False(options.DevSignIn.Enabled);
    }

    [Fact]
    public void Without_Redis_or_an_issuer_the_console_refuses_to_start_naming_both()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConsoleCommand.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>())));
        Assert.Contains(error.Errors, e => e.StartsWith("Redis:Configuration", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Console:Auth:Authority and Console:Auth:Audience", StringComparison.Ordinal));
    }

    /// <summary>The processor refuses these prefixes; a console on one read keys no processor writes, and showed an empty queue.</summary>
    [Theory]
    [InlineData("scrm{x}")]
    [InlineData("my prefix")]
    [InlineData(" ")]
    public void A_key_prefix_the_processor_refuses_stops_the_console_naming_it(string prefix) =>
        Assert.Equal($"Redis:KeyPrefix must be a non-empty word without spaces or braces (the brand in braces is the keys' hash tag); was '{prefix}'",
            Refused("Redis:KeyPrefix", prefix));

    /// <summary>A retention past ten years is a typo, and one past the calendar's start failed each case change (its clean-up cutoff).</summary>
    [Theory]
    [InlineData("12:00:00", "12:00:00")]
    [InlineData("3651d", "3651.00:00:00")]
    [InlineData("1000000d", "1000000.00:00:00")]
    public void A_case_retention_out_of_its_range_stops_the_console_naming_it(string retention, string shown) =>
        Assert.Equal($"Console:CaseRetention must be within 1.00:00:00..3650.00:00:00; was '{shown}'", Refused("Console:CaseRetention", retention));

    /// <summary>A misspelt console setting left its default in force without a word.</summary>
    [Theory]
    [InlineData("Console:CaseRetension", "did you mean Console:CaseRetention?")]
    [InlineData("Console:Auth:BrandClaim", "did you mean Console:Auth:BrandsClaim?")]
    [InlineData("Console:Kafka:CaseEventTopic", "did you mean Console:Kafka:CaseEventsTopic?")]
    public void A_setting_that_binds_to_nothing_stops_the_console_naming_the_closest(string setting, string hint) =>
        Assert.Equal($"{setting} is not a setting (env SOCIALCRM__{setting.Replace(":", "__", StringComparison.Ordinal)}); {hint}", Refused(setting, "x"));

    /// <summary>
    /// The Kafka client checks its settings only when it is built: the console built its case events producer at the first
    /// case change, which then failed (500); now a refused setting stops start-up naming it.
    /// </summary>
    [Fact]
    public void A_case_events_setting_the_Kafka_client_refuses_stops_the_console_naming_it()
    {
        var error = Assert.Single(Assert.Throws<ConfigurationException>(() => ConsoleCommand.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = "redis:6379",
            ["Console:Auth:Authority"] = "https://login.example.com/realms/care",
            ["Console:Auth:Audience"] = "socialcrm-console",
            ["Console:Kafka:BootstrapServers"] = "127.0.0.1:9",
            ["Console:Kafka:Properties:securty.protocol"] = "SSL",
        }))).Errors);
        Assert.StartsWith("Console:Kafka:Properties:securty.protocol (env SOCIALCRM__Console__Kafka__Properties__securty.protocol) is refused by the Kafka case events producer", error, StringComparison.Ordinal);
    }

    /// <summary>The one error of a console configured with <paramref name="setting"/> set to <paramref name="value"/>.</summary>
    private static string Refused(string setting, string value) =>
        Assert.Single(Assert.Throws<ConfigurationException>(() => ConsoleCommand.Bind(ConfigurationLoader.Build(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = "redis:6379",
            ["Console:Auth:Authority"] = "https://login.example.com/realms/care",
            ["Console:Auth:Audience"] = "socialcrm-console",
            [setting] = value,
        }))).Errors);
}
