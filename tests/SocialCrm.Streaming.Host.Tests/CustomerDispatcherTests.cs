using Akka.Actor;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Logging.Abstractions;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Processing;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// The dispatcher on its own, with a probe standing in for the customers' region: per customer one request in flight,
/// in batch order; answers matched by sequence number; a request not answered in time sent again, its second answer ignored.
/// </summary>
public sealed class CustomerDispatcherTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly PipelineStats _stats = new();
    private long _sequence;

    private IActorRef Start(Akka.TestKit.TestProbe customers, TimeSpan timeout) =>
        Sys.ActorOf(CustomerDispatcher.Props(customers, _stats, new RateLimitedLog(NullLogger.Instance, TimeSpan.FromMinutes(1), NullRedactor.Instance), timeout));

    /// <summary>A batch of one mention per named customer, record i for customer i.</summary>
    private CustomerBatch Batch(params string[] customers)
    {
        var builder = new CustomerBatchBuilder(customers.Length, () => ++_sequence);
        for (var i = 0; i < customers.Length; i++)
        {
            builder.AddMention(i, customers[i], new PositionedMention(new Mention
            {
                Id = $"m{_sequence}-{i}",
                Platform = Platform.X,
                Brand = "acme",
                CustomerId = customers[i][5..],
                Author = new Author("u1"),
                Text = "fine",
                CreatedAt = DateTimeOffset.UnixEpoch,
            }, new SourcePosition(0, i)));
        }
        return builder.Build();
    }

    private static MentionsApplied Applied(ApplyMentions request) =>
        new([.. request.Mentions.Select(_ => (MentionObservation?)new MentionObservation(SentimentClass.Positive, MayQuote: true))]) { Sequence = request.Sequence };

    [Fact]
    public async Task A_customers_next_request_waits_for_the_answer_to_its_previous_one_while_other_customers_go_on()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromMinutes(1));
        var first = Batch("acme:1", "acme:2");
        var second = Batch("acme:1", "acme:3");

        dispatcher.Tell(first);
        dispatcher.Tell(second);

        var sent = new[] { await customers.ExpectMsgAsync<ApplyMentions>(), await customers.ExpectMsgAsync<ApplyMentions>(), await customers.ExpectMsgAsync<ApplyMentions>() };
        Assert.Equal(["acme:1", "acme:2", "acme:3"], sent.Select(m => m.EntityId));
        // acme:1's request of the second batch is not sent before its first is answered.
        await customers.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        dispatcher.Tell(Applied(sent[0]), customers.Ref);
        var next = await customers.ExpectMsgAsync<ApplyMentions>();
        Assert.Equal(("acme:1", second.Requests[0].Sequence), (next.EntityId, next.Sequence));
        Assert.False(first.Answered.IsCompleted);

        dispatcher.Tell(Applied(sent[1]), customers.Ref);
        await first.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.All(first.Outcomes, outcome => Assert.NotNull(outcome.Observation));

        dispatcher.Tell(new CustomerFailed("acme:3", "StoreRefusedException", "gave up") { Sequence = sent[2].Sequence }, customers.Ref);
        dispatcher.Tell(Applied(next), customers.Ref);
        await second.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(second.Outcomes[0].Observation);
        Assert.Equal(RejectReason.EntityFailed, second.Outcomes[1].Rejection?.Reason);
        Assert.Equal(3, _stats.Processed);
    }

    [Fact]
    public async Task A_request_not_answered_in_time_is_sent_again_and_its_second_answer_is_ignored()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromSeconds(2));
        var first = Batch("acme:1");
        var second = Batch("acme:1");
        dispatcher.Tell(first);
        dispatcher.Tell(second);

        var sent = await customers.ExpectMsgAsync<ApplyMentions>();
        var again = await customers.ExpectMsgAsync<ApplyMentions>(TimeSpan.FromSeconds(10));
        Assert.Equal(sent, again);
        Assert.True(_stats.AskRetries >= 1);

        dispatcher.Tell(Applied(sent), customers.Ref);
        var next = await customers.ExpectMsgAsync<ApplyMentions>();
        Assert.Equal(second.Requests[0].Sequence, next.Sequence);
        // The answer to the copy sent again arrives too: it completes nothing, and the second batch still waits for its own.
        dispatcher.Tell(Applied(again), customers.Ref);
        await first.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(second.Answered.IsCompleted);
        dispatcher.Tell(Applied(next), customers.Ref);
        await second.Answered.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
