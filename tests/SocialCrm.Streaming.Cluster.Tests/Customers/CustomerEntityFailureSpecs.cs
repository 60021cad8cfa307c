using Akka.Actor;
using Confluent.Kafka;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Mailboxes;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Domain.Rules;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Redis.State;
using SocialCrm.Streaming.Testing;
using StackExchange.Redis;

namespace SocialCrm.Streaming.Cluster.Tests.Customers;

/// <summary>
/// A customer entity never stalls on a failure: a real entity actor writing to a real Redis-protocol server and a
/// real Kafka-protocol broker, with the failures made for real (a key of another type, stored fields that do not
/// read back, a frozen server, a mention the domain cannot apply).
/// </summary>
[Collection(RedisServersFixture.Collection)]
public sealed partial class CustomerEntityFailureSpecs : Akka.TestKit.Xunit2.TestKit, IClassFixture<MockKafkaFixture>
{
    private const int RefusedAttempts = 3;
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(15);
    private readonly RedisServersFixture _servers;
    private readonly MockKafkaFixture _kafka;
    private readonly List<IDisposable> _resources = [];

    public CustomerEntityFailureSpecs(RedisServersFixture servers, MockKafkaFixture kafka)
        : base(CompactDequeMailbox.Hocon)
    {
        _servers = servers;
        _kafka = kafka;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _resources.ForEach(resource => resource.Dispose());
    }

    private (IActorRef Entity, IDatabase Db, RedisKeys Keys) Start(
        string server, Action<ConfigurationOptions>? configure = null, int refusedAttempts = RefusedAttempts, WriteFence? fence = null,
        IEntityMetrics? metrics = null, Func<ICustomerStore, ICustomerStore>? scriptStore = null)
    {
        var redis = _servers.Get(server);
        var connection = redis.Connect(configure);
        var producer = KafkaProducerFactory.Create(_kafka.BootstrapServers);
        _resources.Add(connection);
        _resources.Add(producer);
        var prefix = $"spec{Guid.NewGuid():N}";
        var store = new RedisCustomerStore(connection, new RedisStoreOptions { KeyPrefix = prefix });
        var topic = _kafka.CreateUniqueTopic("signals", 1);
        var dependencies = new CustomerEntityDependencies(
            new CustomerModel(new EngagementEngine(new RulesOptions())), scriptStore?.Invoke(store) ?? store, new KafkaSignalPublisher(producer, topic, topic),
            new KafkaErasurePublisher(producer, topic))
        {
            RefusedAttempts = refusedAttempts,
            MaxBackoff = TimeSpan.FromMilliseconds(200),
            FenceOf = _ => fence,
            Metrics = metrics ?? NoEntityMetrics.Instance,
        };
        return (Sys.ActorOf(CustomerEntity.Props(dependencies)), connection.GetDatabase(), store.Keys);
    }

    private static readonly EntityId Customer = EntityId.ForCustomer("acme", "C-1");

    private static PositionedMention Mention(long offset, bool withAuthor = true) => new(new Mention
    {
        Id = $"m{offset}",
        Platform = Platform.X,
        Brand = "acme",
        CustomerId = "C-1",
        Author = withAuthor ? new Author("u1") : null!,
        Text = "the app works fine",
        CreatedAt = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero).AddSeconds(offset),
    }, new SourcePosition(0, offset));

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_customer_whose_key_holds_another_type_gives_up_and_answers_every_waiting_ask(string server)
    {
        var (entity, db, keys) = Start(server);
        await db.StringSetAsync(keys.Customer(Customer), "not a hash");
        Watch(entity);

        entity.Tell(new ApplyMentions(Customer.Value, [Mention(0)]));
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(1), Mention(2)]));

        var first = await ExpectMsgAsync<CustomerFailed>(Answer);
        var second = await ExpectMsgAsync<CustomerFailed>(Answer);
        Assert.Equal(typeof(StoreRefusedException).FullName, first.ExceptionType);
        Assert.Contains($"after {RefusedAttempts} attempt(s)", first.Detail);
        Assert.Equal(first, second);
        await ExpectTerminatedAsync(entity, Answer);
        Assert.Equal("not a hash", (string?)await db.StringGetAsync(keys.Customer(Customer)));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task Stored_fields_that_do_not_read_back_make_the_customer_give_up(string server)
    {
        var (entity, db, keys) = Start(server);
        await db.HashSetAsync(keys.Customer(Customer), [new HashEntry("flushVersion", "7"), new HashEntry("mentions", "many")]);

        entity.Tell(new ApplyMentions(Customer.Value, [Mention(0)]));

        var failed = await ExpectMsgAsync<CustomerFailed>(Answer);
        Assert.Equal(typeof(StoreRefusedException).FullName, failed.ExceptionType);
        Assert.Equal("many", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
    }

    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_mention_the_domain_cannot_apply_is_answered_failed_alone_and_the_others_are_written(string server)
    {
        var (entity, db, keys) = Start(server);

        // A mention no parser would make (no author): what a bug on the apply path looks like to the entity.
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(0), Mention(1, withAuthor: false), Mention(2)]));

        var applied = await ExpectMsgAsync<MentionsApplied>(Answer);
        Assert.Equal(typeof(NullReferenceException).FullName, Assert.Single(applied.Failed, f => f.Index == 1).ExceptionType);
        Assert.NotNull(applied.Observations[0]);
        Assert.Null(applied.Observations[1]);
        Assert.NotNull(applied.Observations[2]);
        // What the failed apply changed before it threw stays (documented); the mentions around it are written.
        var written = (long)await db.HashGetAsync(keys.Customer(Customer), "mentions");
        Assert.InRange(written, 2, 3);

        // The customer goes on, each later mention counted once.
        entity.Tell(new ApplyMentions(Customer.Value, [Mention(3)]));
        Assert.Empty((await ExpectMsgAsync<MentionsApplied>(Answer)).Failed);
        Assert.Equal(written + 1, (long)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
    }

    /// <summary>Only a redis-server child process can be frozen (Garnet runs in this process).</summary>
    [RedisTheory]
    [InlineData(RedisServers.Redis)]
    public async Task A_store_that_does_not_answer_is_retried_past_the_refusal_bound_and_nothing_is_given_up(string server)
    {
        var redis = _servers.Get(server);
        var (entity, db, keys) = Start(server, options => options.AsyncTimeout = 300);
        redis.Freeze();
        try
        {
            entity.Tell(new ApplyMentions(Customer.Value, [Mention(0)]));
            // Several timed-out attempts, more than a refused store would get.
            await ExpectNoMsgAsync(TimeSpan.FromSeconds(3));
        }
        finally
        {
            redis.Thaw();
        }
        var applied = await ExpectMsgAsync<MentionsApplied>(Answer);
        Assert.Empty(applied.Failed);
        Assert.Equal("1", (string?)await db.HashGetAsync(keys.Customer(Customer), "mentions"));
    }
}
