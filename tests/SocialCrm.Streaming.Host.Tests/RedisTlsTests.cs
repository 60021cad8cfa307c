using System.Text;
using SocialCrm.Streaming.CareConsole;
using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Redis.Connection;
using SocialCrm.Streaming.Testing;
using SocialCrm.Streaming.Testing.Tls;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Redis as production runs it: Debian's redis-server with TLS only, client certificates required, the default user off
/// and one ACL user. The processor and the care console reach it through Redis:User, Redis:Password and Redis:Tls; a refused
/// password or certificate stops the real <c>socialcrm</c> process with exit 2 and a message naming the setting, no secret.
/// </summary>
public sealed class RedisTlsTests : IDisposable
{
    private const string User = "socialcrm";
    private const string Password = "Redis-acl-pa55word";
    /// <summary>What every key and channel of these tests starts with (the processor's Redis:KeyPrefix, the console's too).</summary>
    private const string Prefix = "tls";
    private readonly ITestOutputHelper _output;
    private readonly TestCertificates _authority = TestCertificates.Create("redis");
    private readonly TlsRedisServer _redis;
    private readonly (string Certificate, string Key) _client;

    public RedisTlsTests(ITestOutputHelper output)
    {
        _output = output;
        // The least the processor needs, as k8s/README grants it: its own keys and channels (Redis:KeyPrefix), every
        // command but the dangerous ones, and INFO (for the start-up check of the eviction policy).
        _redis = TlsRedisServer.Start(_authority, User, Password, [$"~{Prefix}*", $"&{Prefix}*", "+@all", "-@dangerous", "+info"]);
        _client = _authority.IssuePem("processor");
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Redis:User"] = User,
        ["Redis:Password"] = Password,
        ["Redis:KeyPrefix"] = Prefix,
        ["Redis:Tls:Enabled"] = "true",
        ["Redis:Tls:CaCertificate"] = _authority.CaFile,
        ["Redis:Tls:ClientCertificate"] = _client.Certificate,
        ["Redis:Tls:ClientKey"] = _client.Key,
    };

    private RedisConnectionSettings ConnectionSettings(Dictionary<string, string?> settings)
    {
        settings["Redis:Configuration"] = _redis.Configuration;
        settings["Kafka:BootstrapServers"] = "127.0.0.1:9";
        return ConfigurationLoader.Bind(ConfigurationLoader.Build(settings)).Redis.ConnectionSettings();
    }

    [Fact]
    public void Plaintext_and_the_default_user_are_refused_by_the_server_itself()
    {
        // The server is what the tests claim: no plaintext port, and TLS without the ACL user's password gets nowhere.
        Assert.Throws<RedisConnectionException>(() => ConnectionMultiplexer.Connect($"127.0.0.1:{_redis.Port},connectTimeout=2000,connectRetry=1").Dispose());
        var settings = Settings();
        settings.Remove("Redis:User");
        settings.Remove("Redis:Password");
        var refused = Assert.Throws<ConnectionSettingException>(() => RedisConnector.Connect(ConnectionSettings(settings)));
        Assert.Contains("Redis:Password", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connection_is_TLS_as_the_ACL_user_and_the_care_console_reads_through_it()
    {
        using (var connection = RedisConnector.Connect(ConnectionSettings(Settings())))
        {
            var db = connection.GetDatabase();
            Assert.Equal(User, (string?)await db.ExecuteAsync("ACL", "WHOAMI"));
            await db.StringSetAsync("tls-probe", "ok");
        }
        var configuration = ConfigurationLoader.Build(new Dictionary<string, string?>(Settings())
        {
            ["Redis:Configuration"] = _redis.Configuration,
            ["Console:DevSignIn:Enabled"] = "true",
            ["Console:DevSignIn:Users:0:Name"] = "ana",
            ["Console:DevSignIn:Users:0:Token"] = "a-token-of-16-chars-or-more",
        });
        await using var console = await ConsoleApp.StartAsync(ConsoleCommand.Bind(configuration), "127.0.0.1", 0);
        using var http = new HttpClient { BaseAddress = console.Url };
        Assert.Equal("ready", await http.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task The_pipeline_runs_end_to_end_over_TLS_as_the_ACL_user()
    {
        using var kafka = MockKafkaFixture.WithBrokers(1);
        var catalog = SocialCrm.Streaming.Kafka.Topology.TopicCatalog.LoadDefault();
        foreach (var topic in catalog.Topics)
        {
            kafka.CreateTopic(topic.Name, topic.Partitions);
        }
        var records = new MentionGenerator(new GeneratorOptions { CustomersPerBrand = 50, Seed = 5, CrisisAt = null }).Generate(500).ToList();
        kafka.Produce(catalog.Mentions.Name, records.Select(r => (r.Key, r.Value)));
        var group = MockKafkaFixture.UniqueGroup("tls");
        var prefix = Prefix + Guid.NewGuid().ToString("N")[..6];
        var settings = Settings();
        settings["Kafka:GroupId"] = group;
        settings["Kafka:CommitInterval"] = "00:00:00.200";
        settings["Redis:KeyPrefix"] = prefix;

        await using (var node = HostProcess.StartRun(kafka.BootstrapServers, _redis.Configuration, settings))
        {
            await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            var logEnd = kafka.GetHighWatermarks(catalog.Mentions.Name, catalog.Mentions.Partitions);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (!logEnd.All(p => kafka.GetCommittedOffsets(group, catalog.Mentions.Name, catalog.Mentions.Partitions).GetValueOrDefault(p.Key) == p.Value))
            {
                Assert.True(DateTime.UtcNow < deadline, "the node did not commit every mention: " + node.Output);
                await Task.Delay(250);
            }
            Assert.Equal(0, (await node.TerminateAndWaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        }

        using var connection = RedisConnector.Connect(ConnectionSettings(Settings()));
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        long counted = 0;
        await foreach (var key in server.KeysAsync(pattern: $"{prefix}:*:customer:*", pageSize: 1000))
        {
            counted += (long)await connection.GetDatabase().HashGetAsync(key, "mentions");
        }
        _output.WriteLine($"{records.Count(r => r.IsValid)} valid mentions, {counted} counted in Redis over TLS");
        Assert.Equal(records.Count(r => r.IsValid), counted);
    }

    [Fact]
    public void A_server_that_is_down_is_not_taken_for_a_refusal_and_is_waited_for()
    {
        var settings = ConnectionSettings(Settings()) with { Configuration = $"127.0.0.1:{FreePort.Next()},connectTimeout=1000" };
        using var waiting = RedisConnector.Connect(settings);
        Assert.False(waiting.IsConnected);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "wrong-password", "Redis:Password" },
        { "untrusted-server", "Redis:Tls:CaCertificate" },
        { "untrusted-client", "Redis:Tls:ClientCertificate" },
        { "wrong-pfx-password", "Redis:Tls:ClientCertificate" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_setting_stops_the_real_process_naming_the_setting_and_no_secret(string refusal, string setting)
    {
        using var stranger = TestCertificates.Create("stranger");
        const string wrongPassword = "Not-the-pa55word";
        const string pfxPassword = "Pfx-pa55word-secret";
        var settings = Settings();
        switch (refusal)
        {
            case "wrong-password":
                settings["Redis:Password"] = wrongPassword;
                break;
            case "untrusted-server":
                settings["Redis:Tls:CaCertificate"] = stranger.CaFile;
                break;
            case "untrusted-client":
                var (certificate, key) = stranger.IssuePem("intruder");
                settings["Redis:Tls:ClientCertificate"] = certificate;
                settings["Redis:Tls:ClientKey"] = key;
                break;
            case "wrong-pfx-password":
                settings["Redis:Tls:ClientCertificate"] = _authority.IssuePfx("processor-pfx", pfxPassword);
                settings["Redis:Tls:ClientKey"] = "";
                settings["Redis:Tls:ClientCertificatePassword"] = wrongPassword;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "no such refusal");
        }

        await using var node = HostProcess.StartRun("127.0.0.1:9", _redis.Configuration, settings);
        var exit = await node.WaitForExitAsync(TimeSpan.FromSeconds(20));
        _output.WriteLine($"{refusal}: exit {exit}{Environment.NewLine}{node.Output}");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(setting, node.Output, StringComparison.Ordinal);
        foreach (var secret in new[] { Password, wrongPassword, pfxPassword })
        {
            Assert.DoesNotContain(secret, node.Output, StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        _redis.Dispose();
        Assert.True(FreePort.IsFree(_redis.Port), $"redis-server still listens on {_redis.Port}");
        _authority.Dispose();
    }
}
