using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Host.Configuration;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Secrets never reach a message: not only keys named "password" but every setting or client property that holds one
/// (sasl.password, ssl.key.password, ssl.key.pem, OAuth client secrets, JAAS configs, tokens), every <c>password=</c> of a
/// connection string, and any secret value a failure's message happens to quote.
/// </summary>
public sealed class SecretMaskTests
{
    [Theory]
    [InlineData("Kafka:Properties:sasl.password")]
    [InlineData("Kafka:Properties:ssl.key.password")]
    [InlineData("Kafka:Properties:ssl.keystore.password")]
    [InlineData("Kafka:Properties:ssl.key.pem")]
    [InlineData("Kafka:Properties:sasl.oauthbearer.client.secret")]
    [InlineData("Kafka:Properties:sasl.jaas.config")]
    [InlineData("Redis:Password")]
    [InlineData("Redis:Tls:ClientCertificatePassword")]
    [InlineData("Cluster:Tls:Password")]
    [InlineData("Console:DevSignIn:Users:0:Token")]
    public void Settings_that_hold_secrets_are_recognised(string setting) => Assert.True(SecretMask.IsSecret(setting), setting);

    [Theory]
    [InlineData("Redis:KeyPrefix")]
    [InlineData("Redis:Tls:ClientKey")]
    [InlineData("Kafka:Properties:sasl.username")]
    [InlineData("Kafka:Properties:ssl.key.location")]
    [InlineData("Kafka:Properties:security.protocol")]
    [InlineData("Kafka:BootstrapServers")]
    [InlineData("Console:Auth:BrandsClaim")]
    public void Ordinary_settings_are_shown(string setting) => Assert.False(SecretMask.IsSecret(setting), setting);

    [Theory]
    [InlineData("redis-0:6380,user=socialcrm,password=Horse-Battery,ssl=true", "redis-0:6380,user=socialcrm,password=***,ssl=true")]
    [InlineData("Host=db;Username=app;Pwd=Staple-42;Timeout=5", "Host=db;Username=app;Pwd=***;Timeout=5")]
    [InlineData("client says sasl.password: Correct-Horse refused", "client says sasl.password: *** refused")]
    [InlineData("ssl.key.password=k3y-pass", "ssl.key.password=***")]
    public void Secret_pairs_of_connection_strings_and_messages_are_masked(string text, string masked) =>
        Assert.Equal(masked, SecretMask.Apply(text));

    [Fact]
    public void A_secret_value_of_the_configuration_is_masked_wherever_a_message_quotes_it()
    {
        ConfigurationLoader.Build(new Dictionary<string, string?>
        {
            ["Kafka:Properties:sasl.oauthbearer.client.secret"] = "Oauth-Client-S3cret",
            ["Kafka:Properties:ssl.key.pem"] = "-----BEGIN PRIVATE KEY-----MIIEv",
            ["Redis:Configuration"] = "redis-0:6380,password=Redis-In-String",
            ["Redis:Password"] = "Redis-Acl-Pass",
        });
        var message = SecretMask.Apply("broker refused Oauth-Client-S3cret; key -----BEGIN PRIVATE KEY-----MIIEv; AUTH Redis-In-String / Redis-Acl-Pass failed");
        Assert.Equal("broker refused ***; key ***; AUTH *** / *** failed", message);
    }

    [Fact]
    public void A_configuration_error_shows_a_secret_setting_masked_and_other_values_as_they_are()
    {
        var configuration = ConfigurationLoader.Build(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "localhost:9092",
            ["Redis:Configuration"] = "localhost:6379,password=Pass-In-String,connectTimeout=soon",
            ["Redis:Password"] = "Acl-Pass-Word",
            ["Cluster:Tls:Key"] = "/no/such/cluster.key",
            ["Cluster:Tls:Password"] = "Pfx-Pass-Word",
        });
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Bind(configuration));
        Assert.Contains("Cluster:Tls:Key needs Cluster:Tls:Certificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("/no/such/cluster.key", error.Message, StringComparison.Ordinal);
        foreach (var secret in new[] { "Pass-In-String", "Acl-Pass-Word", "Pfx-Pass-Word" })
        {
            Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
            Assert.All(error.Errors, e => Assert.DoesNotContain(secret, e, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_real_process_names_a_bad_setting_with_the_secrets_of_its_value_masked()
    {
        // The whole configuration string is quoted back (it is what is wrong), with its password masked.
        var (exit, _, error) = await SocialCrmProcess.RunAsync(TimeSpan.FromSeconds(60),
            "run", "--kafka", "127.0.0.1:9", "--redis", "127.0.0.1:9,password=Conn-Str-Pass,connectTimeout=soon");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("Redis:Configuration", error, StringComparison.Ordinal);
        Assert.Contains("password=***", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Conn-Str-Pass", error, StringComparison.Ordinal);
    }
}
