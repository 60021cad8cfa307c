using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Domain.Analysis;
using System.Reflection;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Cluster.Sharding;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Cluster.Tests.Serialization;

/// <summary>An actor system configured the way the processor configures it: remoting, clustering, our serializer.</summary>
public sealed class SerializationHostFixture : IAsyncLifetime
{
    private IHost? _host;

    public ActorSystem System => _host!.Services.GetRequiredService<ActorSystem>();

    public async Task InitializeAsync()
    {
        _host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("serialization-tests", akka => akka
                .WithRemoting("127.0.0.1", 0)
                .WithClustering()
                .AddClusterSerialization()))
            .Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}

/// <summary>
/// Proves, inside a real actor system, that Akka picks <see cref="ClusterMessageSerializer"/> for every project
/// message, that unbound types are refused rather than sent as JSON, and that Akka's own messages are unaffected.
/// </summary>
public sealed class AkkaSerializationTests(SerializationHostFixture fixture) : IClassFixture<SerializationHostFixture>
{
    private Akka.Serialization.Serialization Serialization => fixture.System.Serialization;

    [Theory]
    [MemberData(nameof(SampleMessages.AllAsTheory), MemberType = typeof(SampleMessages))]
    public void Akka_chooses_our_serializer_for_every_message_and_round_trips_it(object message)
    {
        var serializer = Serialization.FindSerializerFor(message);

        Assert.IsType<ClusterMessageSerializer>(serializer);
        Assert.Equal(4711, serializer.Identifier);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        Assert.Equal(ClusterMessageTable.ForType(message.GetType()).Manifest, manifest);
        var bytes = serializer.ToBinary(message);
        Assert.Equal(message, Serialization.Deserialize(bytes, serializer.Identifier, manifest));
    }

    /// <summary>Records that never travel as messages: dependencies handed to local actors, and values carried inside a message.</summary>
    /// <summary>Records that are never sent on their own: the entities' dependencies, and values written as parts of a message.</summary>
    private static readonly HashSet<Type> NotMessages =
        [typeof(CustomerEntityDependencies), typeof(BrandMonitorDependencies), typeof(MentionObservation), typeof(FailedMention), typeof(PositionedMention), typeof(AppliedReport)];

    /// <summary>
    /// A new message without a binding fails here: every public type of the Cluster assembly that is a message
    /// (has the marker, is addressed to an entity, or is a record) must be bound to our serializer, unless it is
    /// listed above as not a message.
    /// </summary>
    [Fact]
    public void Every_message_type_of_the_cluster_assembly_is_bound_to_our_serializer()
    {
        var candidates = typeof(ClusterMessageSerializer).Assembly.GetExportedTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false })
            .Where(t => typeof(IClusterMessage).IsAssignableFrom(t) || typeof(IWithEntityId).IsAssignableFrom(t) || IsRecord(t))
            .Where(t => !NotMessages.Contains(t))
            .ToList();

        Assert.Contains(typeof(ApplyMentions), candidates);
        Assert.Contains(typeof(MentionsApplied), candidates);
        var unbound = candidates
            .Where(t => Serialization.FindSerializerForType(t) is not ClusterMessageSerializer || !ClusterMessageTable.TryGet(t, out _))
            .Select(t => t.FullName)
            .ToList();
        Assert.Empty(unbound);
    }

    private static bool IsRecord(Type type) =>
        type.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(System.Text.StringBuilder)]) is not null;

    private sealed record Unbound(string Text);

    private sealed record MarkedButNotInTheTable(string Text) : IClusterMessage;

    [Fact]
    public void A_type_nobody_is_bound_to_is_refused_instead_of_falling_back_to_json()
    {
        var ex = Assert.Throws<SerializationException>(() => Serialization.FindSerializerFor(new Unbound("x")));
        Assert.Contains(nameof(Unbound), ex.Message);
        Assert.Equal("off", fixture.System.Settings.Config.GetString("akka.actor.serialization-settings.allow-unregistered-types"));
    }

    [Fact]
    public void A_marked_type_missing_from_the_table_reaches_our_serializer_and_is_refused_there()
    {
        var message = new MarkedButNotInTheTable("x");

        var serializer = Serialization.FindSerializerFor(message);

        Assert.IsType<ClusterMessageSerializer>(serializer);
        var ex = Assert.Throws<SerializationException>(() => serializer.ToBinary(message));
        Assert.Contains(nameof(ClusterMessageTable), ex.Message);
    }

    [Fact]
    public void An_unknown_manifest_from_another_node_is_refused()
    {
        Assert.Throws<SerializationException>(() => Serialization.Deserialize([1], 4711, "zz"));
    }

    /// <summary>Strict mode must not break Akka itself: what Akka sends between nodes has bindings of its own.</summary>
    [Fact]
    public void Akkas_own_messages_still_serialize_under_strict_mode()
    {
        object[] messages =
        [
            "a string",
            42,
            42L,
            new byte[] { 1, 2 },
            new Status.Failure(new InvalidOperationException("entity failed")),
            new Status.Success("ok"),
            PoisonPill.Instance,
            new Identify(1),
            new ShardRegion.StartEntity("acme:C-1"),
            new ShardingEnvelope("acme:C-1", new MentionsApplied([null])),
        ];

        foreach (var message in messages)
        {
            var serializer = Serialization.FindSerializerFor(message);
            Assert.IsNotType<Akka.Serialization.NewtonSoftJsonSerializer>(serializer);
            var bytes = serializer.ToBinary(message);
            var back = Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
            Assert.IsType(message.GetType(), back);
        }
    }
}

/// <summary>With <c>serialize-messages = on</c> every local send goes through the serializer Akka picks: ours.</summary>
public sealed class SerializeMessagesTests : IAsyncLifetime
{
    private IHost? _host;

    public async Task InitializeAsync()
    {
        _host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("serialize-messages", akka => akka
                .AddHocon(ConfigurationFactory.ParseString("akka.actor.serialize-messages = on"), HoconAddMode.Prepend)
                .AddClusterSerialization()
                // serialize-messages also pushes Akka's local-only guardian messages (StopChild on shutdown,
                // RegisterTerminationHook) through serialization; they have no binding by design, so strict mode
                // would log errors for them. Strictness itself is covered by AkkaSerializationTests.
                .WithStrictSerialization(false)))
            .Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(message => Sender.Tell(message));
    }

    [Fact]
    public async Task Every_message_arrives_as_an_equal_copy_made_by_our_serializer()
    {
        var system = _host!.Services.GetRequiredService<ActorSystem>();
        var echo = system.ActorOf(Props.Create(() => new Echo()), "echo");

        foreach (var message in SampleMessages.All())
        {
            var received = await echo.Ask<object>(message, TimeSpan.FromSeconds(5));

            Assert.Equal(message, received);
            Assert.IsType<ClusterMessageSerializer>(system.Serialization.FindSerializerFor(message));
            if (message is StopCustomer)
            {
                // Only our reader returns the singleton; a reflection-based serializer would build a new instance.
                Assert.Same(StopCustomer.Instance, received);
            }
            else
            {
                Assert.NotSame(message, received);
            }
        }
    }
}

/// <summary>
/// Two nodes in one process, both strict: mentions and profiles sent through sharding reach entities on the
/// other node and their replies come back, with the coordinator, ddata and remoting all running under
/// <c>allow-unregistered-types = off</c>.
/// </summary>
public sealed class TwoNodeStrictSerializationTests : IAsyncLifetime
{
    private const int Partitions = 12;
    private readonly List<IHost> _hosts = [];

    private sealed class TestRegion;

    /// <summary>Answers only when the mentions arrived intact, so a reply proves the payload crossed exactly; the reply encodes each offset's parity.</summary>
    private sealed class CheckingEntity : ReceiveActor
    {
        public CheckingEntity()
        {
            Receive<ApplyMentions>(apply =>
            {
                if (apply.Mentions.All(m => m.Mention == ExpectedMention(apply.EntityId)))
                {
                    Sender.Tell(new MentionsApplied([.. apply.Mentions.Select(m => (MentionObservation?)ParityOf(m.Position))]));
                }
            });
            Receive<ApplyProfile>(apply =>
            {
                if (apply.Profile == SampleMessages.FullProfile())
                {
                    Sender.Tell(new ProfileApplied(apply.Position));
                }
            });
            Receive<StopCustomer>(_ => Context.Stop(Self));
        }
    }

    private static MentionObservation ParityOf(SourcePosition position) => new(SentimentClass.Neutral, MayQuote: position.Offset % 2 == 0);

    private static Mention ExpectedMention(string entityId) =>
        SampleMessages.FullMention() with { CustomerId = EntityId.Parse(entityId).LocalId };

    private static IHost StartNode(int port, string seed) => new HostBuilder()
        .ConfigureServices(services => services.AddAkka("strict", akka => akka
            .WithRemoting("127.0.0.1", port)
            .WithClustering(new ClusterOptions { SeedNodes = [seed] })
            .AddClusterSerialization()
            .WithShardRegion<TestRegion>(
                "strict-customer",
                _ => Props.Create(() => new CheckingEntity()),
                new PartitionAlignedMessageExtractor(Partitions),
                new ShardOptions
                {
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = false,
                    HandOffStopMessage = StopCustomer.Instance,
                })))
        .Build();

    public async Task InitializeAsync()
    {
        var seedPort = Testing.FreePort.Next();
        var seed = $"akka.tcp://strict@127.0.0.1:{seedPort}";
        _hosts.Add(StartNode(seedPort, seed));
        _hosts.Add(StartNode(0, seed));
        await Task.WhenAll(_hosts.Select(h => h.StartAsync()));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_hosts.Any(h => Akka.Cluster.Cluster.Get(h.Services.GetRequiredService<ActorSystem>()).State.Members
                   .Count(m => m.Status == Akka.Cluster.MemberStatus.Up) < 2))
        {
            Assert.True(DateTime.UtcNow < deadline, "the two nodes did not form a cluster within 30 s");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task Mentions_and_profiles_cross_nodes_and_their_replies_come_back()
    {
        var region = await _hosts[1].Services.GetRequiredService<IRequiredActor<TestRegion>>().GetAsync();
        var entityIds = Enumerable.Range(0, 4 * Partitions).Select(i => $"acme:C-{i}").ToArray();

        var replies = await Task.WhenAll(entityIds.Select((id, i) =>
            region.Ask<MentionsApplied>(new ApplyMentions(id,
            [
                new PositionedMention(ExpectedMention(id), new SourcePosition(i % Partitions, 2 * i)),
                new PositionedMention(ExpectedMention(id), new SourcePosition(i % Partitions, 2 * i + 1)),
            ]), TimeSpan.FromSeconds(20))));
        var profileReplies = await Task.WhenAll(entityIds.Select((id, i) =>
            region.Ask<ProfileApplied>(new ApplyProfile(id, SampleMessages.FullProfile(), new SourcePosition(i % Partitions, 1000 + i)), TimeSpan.FromSeconds(20))));

        Assert.All(replies, reply => Assert.Equal([ParityOf(new SourcePosition(0, 0)), ParityOf(new SourcePosition(0, 1))], reply.Observations));
        Assert.Equal(entityIds.Select((_, i) => new SourcePosition(i % Partitions, 1000 + i)), profileReplies.Select(r => r.Position));

        // The shards are spread over both nodes, so some of those messages (and replies) crossed the wire.
        foreach (var host in _hosts)
        {
            var local = await host.Services.GetRequiredService<IRequiredActor<TestRegion>>().GetAsync();
            var state = await local.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
            Assert.NotEmpty(state.Shards);
        }
    }
}
