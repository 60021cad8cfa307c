using Akka.Actor;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Cluster.Tests.Customers;

/// <summary>A mention delivered again at another offset, as the entity sees it: passed over, counted as a repeat, its position written.</summary>
public sealed partial class CustomerEntityFailureSpecs
{
    [RedisTheory]
    [MemberData(nameof(RedisServers.All), MemberType = typeof(RedisServers))]
    public async Task A_mention_delivered_again_is_passed_over_and_its_grown_share_count_raises_the_viral_alert_once(string server)
    {
        var metrics = new RepeatCounter();
        var (entity, db, keys) = Start(server, metrics: metrics);
        var post = Mention(0).Mention with { Text = "acme lost my luggage, terrible, never again", Metrics = new EngagementMetrics(Shares: 50) };

        entity.Tell(new ApplyMentions(Customer.Value, [new(post, new SourcePosition(0, 0))]));
        Assert.NotNull(Assert.Single((await ExpectMsgAsync<MentionsApplied>(Answer)).Observations));

        // The same post again, then again with its shares grown past the viral velocity.
        entity.Tell(new ApplyMentions(Customer.Value, [new(post, new SourcePosition(0, 1))]));
        Assert.Null(Assert.Single((await ExpectMsgAsync<MentionsApplied>(Answer)).Observations));
        entity.Tell(new ApplyMentions(Customer.Value, [
            new(post with { Metrics = new EngagementMetrics(Shares: 2_400) }, new SourcePosition(0, 2)),
            new(post with { Metrics = new EngagementMetrics(Shares: 9_000) }, new SourcePosition(0, 3)),
        ]));
        Assert.All((await ExpectMsgAsync<MentionsApplied>(Answer)).Observations, observation => Assert.Null(observation));

        var customer = keys.Customer(Customer);
        Assert.Equal("1", (string?)await db.HashGetAsync(customer, "mentions"));
        Assert.Equal("3", (string?)await db.HashGetAsync(customer, "wm:0"));
        Assert.Equal(3, metrics.Repeats);
        var alert = Assert.Single(await db.ListRangeAsync(keys.Alerts("acme")));
        Assert.Contains("\"viral-negative\"", (string?)alert);
    }

    private sealed class RepeatCounter : NoEntityMetrics
    {
        private int _repeats;

        public int Repeats => Volatile.Read(ref _repeats);

        public override void MentionsRepeated(int mentions) => Interlocked.Add(ref _repeats, mentions);
    }
}
