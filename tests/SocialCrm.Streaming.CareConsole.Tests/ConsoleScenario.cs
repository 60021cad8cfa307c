using System.Net;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole.Tests;

[CollectionDefinition(RedisServersFixture.Collection)]
public sealed class RedisServersCollection : ICollectionFixture<RedisServersFixture>;

/// <summary>
/// A console on a real Redis-protocol server, with its own key prefix, three development users — ana (acme
/// and globex), ben (acme), eve (globex only) — and the processor's own store to write alerts and triggers
/// exactly as the processor does (<see cref="RedisCustomerStore.WriteSignalsAsync"/>: list, marker, pub/sub).
/// </summary>
public sealed class ConsoleScenario : IAsyncDisposable
{
    public static readonly string[] Agents = ["ana", "ben", "eve"];

    private readonly ConnectionMultiplexer _processorConnection;
    private readonly ConsoleOptions _options;

    private ConsoleScenario(ConsoleApp console, ConsoleOptions options, ConnectionMultiplexer processorConnection, string keyPrefix)
    {
        Console = console;
        _options = options;
        _processorConnection = processorConnection;
        KeyPrefix = keyPrefix;
        Processor = new RedisCustomerStore(processorConnection, new RedisStoreOptions { KeyPrefix = keyPrefix });
    }

    public ConsoleApp Console { get; private set; }
    public string KeyPrefix { get; }
    public RedisCustomerStore Processor { get; }
    public IDatabase Redis => _processorConnection.GetDatabase();

    /// <param name="caseEvents">Kafka bootstrap servers and topic for case events; null: Redis only.</param>
    /// <param name="configure">Changes to the settings before the console starts.</param>
    public static async Task<ConsoleScenario> StartAsync(IRedisDeployment server, (string BootstrapServers, string Topic)? caseEvents = null, Action<ConsoleOptions>? configure = null)
    {
        var prefix = "c" + Guid.NewGuid().ToString("N")[..8];
        var options = new ConsoleOptions
        {
            RedisConfiguration = server.ConnectionString,
            KeyPrefix = prefix,
            DevSignIn = new DevSignInOptions
            {
                Enabled = true,
                Users =
                [
                    new DevUser { Name = "ana", Token = Token("ana"), Brands = ["acme", "globex"] },
                    new DevUser { Name = "ben", Token = Token("ben"), Brands = ["acme"] },
                    new DevUser { Name = "eve", Token = Token("eve"), Brands = ["globex"] },
                ],
            },
        };
        if (caseEvents is { } kafka)
        {
            options.Kafka = new ConsoleKafkaOptions { BootstrapServers = kafka.BootstrapServers, CaseEventsTopic = kafka.Topic };
        }
        configure?.Invoke(options);
        var console = await ConsoleApp.StartAsync(options, "127.0.0.1", 0);
        return new ConsoleScenario(console, options, await ConnectionMultiplexer.ConnectAsync(server.ConnectionString), prefix);
    }

    public string SignInUrl(string agent) => new Uri(Console.Url, $"/dev-login?token={Token(agent)}").ToString();

    /// <summary>An HTTP client signed in as <paramref name="agent"/> (its cookie), not following redirects; on <paramref name="replica"/> when given.</summary>
    public async Task<HttpClient> SignedInAsync(string agent, ConsoleApp? replica = null)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = (replica ?? Console).Url };
        var signIn = await client.GetAsync(new Uri($"/dev-login?token={Token(agent)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }

    /// <summary>Writes an influencer-negative alert as the processor does, detected now.</summary>
    public async Task<CrisisAlert> WriteAlertAsync(string brand, string customer, Priority priority = Priority.P1)
    {
        var now = DateTimeOffset.UtcNow;
        var entity = $"{brand}:{customer}";
        var alert = new CrisisAlert
        {
            Id = SignalIds.ForAlert("influencer-negative", entity, Guid.NewGuid().ToString("N")),
            Brand = brand,
            Kind = CrisisKind.InfluencerNegative,
            Entity = entity,
            Severity = priority == Priority.P1 ? 9 : 5,
            Priority = priority,
            Summary = $"An influencer with 120,000 followers complains about {brand}.",
            Reasons = ["influencer", "negative"],
            Evidence = [new Evidence("m-" + Guid.NewGuid().ToString("N")[..6], "twitter", Excerpts.Make($"My {brand} order never arrived and nobody answers"))],
            EventTime = now,
            DetectedAt = now,
        };
        await Processor.WriteSignalsAsync([alert.ToOutbound()], CancellationToken.None);
        return alert;
    }

    /// <summary>Writes a retention trigger as the processor does, detected now.</summary>
    public async Task<LifecycleTrigger> WriteRetentionAsync(string brand, string customer, ValueTier tier)
    {
        var now = DateTimeOffset.UtcNow;
        var entity = $"{brand}:{customer}";
        var trigger = new LifecycleTrigger
        {
            Id = SignalIds.ForTrigger("retention", entity, new Domain.Mentions.SourcePosition(0, Random.Shared.NextInt64(1, long.MaxValue))),
            Brand = brand,
            Type = TriggerType.Retention,
            Entity = entity,
            CustomerId = customer,
            RiskScore = 0.82,
            ValueTier = tier,
            SuggestedAction = "Call within 24 hours and offer a goodwill credit.",
            Priority = SignalNames.FromTier(tier),
            Reasons = ["complaints", "churn-intent"],
            Evidence = [],
            EventTime = now,
            DetectedAt = now,
        };
        await Processor.WriteSignalsAsync([trigger.ToOutbound()], CancellationToken.None);
        return trigger;
    }

    /// <summary>Another console with the same settings beside the first (a second replica); the caller disposes it.</summary>
    public Task<ConsoleApp> StartReplicaAsync() => ConsoleApp.StartAsync(_options, "127.0.0.1", 0);

    /// <summary>Stops the console and starts another with the same settings (on another port: sign in again).</summary>
    public async Task RestartConsoleAsync()
    {
        await Console.DisposeAsync();
        Console = await ConsoleApp.StartAsync(_options, "127.0.0.1", 0);
    }

    public async ValueTask DisposeAsync()
    {
        await Console.DisposeAsync();
        await _processorConnection.DisposeAsync();
    }

    private static string Token(string agent) => $"dev-token-{agent}-0123456789";
}
