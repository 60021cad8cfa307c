using Confluent.Kafka;
using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Testing.Tls;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// SASL and TLS for Kafka go through Kafka:Properties, and reach every client the host builds (the processor's consumer
/// and producer, <c>generate</c>'s producer, <c>topology</c>'s admin client) through <see cref="KafkaClientSettings"/>. The
/// mock cluster speaks neither SASL nor TLS, so the built configurations are checked, real clients are built from them, and
/// a property the client refuses stops each real command with exit 2 naming the setting, no secret.
/// </summary>
public sealed class KafkaSecuritySettingsTests(ITestOutputHelper output) : IDisposable
{
    private const string SaslPassword = "Kafka-sasl-pa55word";
    private readonly TestCertificates _authority = TestCertificates.Create("kafka");

    private string SettingsFile(string securityProtocol)
    {
        var file = Path.Combine(_authority.Directory, $"settings-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, System.Text.Json.JsonSerializer.Serialize(new
        {
            Kafka = new
            {
                Properties = new Dictionary<string, string>
                {
                    ["security.protocol"] = securityProtocol,
                    ["sasl.mechanism"] = "SCRAM-SHA-512",
                    ["sasl.username"] = "socialcrm",
                    ["sasl.password"] = SaslPassword,
                    ["ssl.ca.location"] = _authority.CaFile,
                },
            },
        }));
        return file;
    }

    [Fact]
    public void Security_properties_from_the_settings_reach_the_consumer_producer_and_admin_client()
    {
        var kafka = KafkaClientSettings.Load("broker-0:9093", SettingsFile("SASL_SSL"));
        IEnumerable<KeyValuePair<string, string>>[] configs =
            [KafkaClientSettings.ConsumerConfig(kafka), KafkaClientSettings.ProducerConfig(kafka), KafkaClientSettings.AdminConfig(kafka)];
        foreach (var config in configs)
        {
            var properties = config.ToDictionary(p => p.Key, p => p.Value);
            Assert.Equal("broker-0:9093", properties["bootstrap.servers"]);
            Assert.Equal("SASL_SSL", properties["security.protocol"]);
            Assert.Equal("SCRAM-SHA-512", properties["sasl.mechanism"]);
            Assert.Equal("socialcrm", properties["sasl.username"]);
            Assert.Equal(SaslPassword, properties["sasl.password"]);
            Assert.Equal(_authority.CaFile, properties["ssl.ca.location"]);
        }
        // The producer keeps what the processor's delivery promise needs, whatever else is configured.
        Assert.Equal(Acks.All, KafkaClientSettings.ProducerConfig(kafka).Acks);
        // librdkafka itself accepts them: real clients are built (they connect only when used).
        KafkaClientSettings.CreateProducer(kafka).Dispose();
        KafkaClientSettings.CreateAdminClient(kafka).Dispose();
    }

    public static TheoryData<string> Commands => new() { "generate", "topology verify", "topology apply" };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_property_the_client_refuses_stops_the_command_with_exit_2_naming_it_and_no_secret(string command)
    {
        var settings = SettingsFile("SASL_BOGUS");
        string[] args = command == "generate"
            ? ["generate", "--kafka", "127.0.0.1:9", "--count", "1", "--config", settings]
            : [.. command.Split(' '), "--kafka", "127.0.0.1:9", "--config", settings];
        var (exit, _, error) = await SocialCrmProcess.RunAsync(TimeSpan.FromSeconds(60), args);
        output.WriteLine($"{command}: exit {exit}{Environment.NewLine}{error}");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("Kafka:Properties:security.protocol", error, StringComparison.Ordinal);
        Assert.DoesNotContain(SaslPassword, error, StringComparison.Ordinal);
    }

    public void Dispose() => _authority.Dispose();
}
