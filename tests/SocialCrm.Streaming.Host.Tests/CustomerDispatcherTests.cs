using Akka.Actor;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Logging.Abstractions;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Processing;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// The dispatcher on its own, with a probe standing in for the customers' region: per customer one message in flight,
/// in batch order; answers matched by sequence number; a message not answered in time sent again, its second answer ignored;
/// the mention requests queued behind a customer's message merged into one, their answer split back to their batches.
/// </summary>
public sealed class CustomerDispatcherTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly PipelineStats _stats = new();
    private long _sequence;

    private IActorRef Start(Akka.TestKit.TestProbe customers, TimeSpan timeout) =>
        Sys.ActorOf(CustomerDispatcher.Props(customers, _stats, new RateLimitedLog(NullLogger.Instance, TimeSpan.FromMinutes(1), NullRedactor.Instance), timeout));

    /// <summary>A batch of one mention per named customer, record i for customer i.</summary>
    private CustomerBatch Batch(params string[] customers) => BatchOfText("fine", customers);

    private CustomerBatch BatchOfText(string text, params string[] customers)
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
                Text = text,
                CreatedAt = DateTimeOffset.UnixEpoch,
            }, new SourcePosition(0, i)));
        }
        return builder.Build();
    }

    /// <summary>A batch of one tombstone: the customer is to forget itself.</summary>
    private CustomerBatch Tombstone(string customer)
    {
        var builder = new CustomerBatchBuilder(1, () => ++_sequence);
        builder.AddProfile(0, new ApplyProfile(customer, null, new SourcePosition(1, 0)));
        return builder.Build();
    }

    private static CustomerRequest RequestOf(CustomerBatch batch, string customer) => batch.Requests.Single(r => r.EntityId == customer);

    private static IEnumerable<PositionedMention> MentionsOf(params CustomerRequest[] requests) =>
        requests.SelectMany(r => ((ApplyMentions)r.Message).Mentions);

    private static async Task<ApplyMentions[]> ExpectApplies(Akka.TestKit.TestProbe customers, int count)
    {
        var sent = new ApplyMentions[count];
        for (var i = 0; i < count; i++)
        {
            sent[i] = await customers.ExpectMsgAsync<ApplyMentions>();
        }
        return sent;
    }

    private static void TellAll(IActorRef dispatcher, params CustomerBatch[] batches)
    {
        foreach (var batch in batches)
        {
            dispatcher.Tell(batch);
        }
    }

    /// <summary>Sends acme:1 a request, then the queued batches behind it, and answers the request: returns the next message to acme:1.</summary>
    private async Task<ApplyMentions> QueueBehindAnAnsweredRequest(IActorRef dispatcher, Akka.TestKit.TestProbe customers, CustomerBatch[] queued)
    {
        TellAll(dispatcher, [Batch("acme:1"), .. queued]);
        dispatcher.Tell(Applied(await customers.ExpectMsgAsync<ApplyMentions>()), customers.Ref);
        return await customers.ExpectMsgAsync<ApplyMentions>();
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
    public async Task Each_record_is_answered_when_its_own_customer_answers_not_when_its_batchs_last_does()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromMinutes(1));
        var batch = Batch("acme:1", "acme:2");
        var tombstone = Tombstone("acme:3");
        TellAll(dispatcher, batch, tombstone);
        var sent = await ExpectApplies(customers, 2);
        var profile = await customers.ExpectMsgAsync<ApplyProfile>();

        var before = DateTimeOffset.UtcNow;
        dispatcher.Tell(Applied(sent[0]), customers.Ref);
        dispatcher.Tell(new ProfileApplied(profile.Position) { Sequence = profile.Sequence }, customers.Ref);
        await tombstone.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(300);
        dispatcher.Tell(Applied(sent[1]), customers.Ref);
        await batch.Answered.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.InRange(batch.Outcomes[0].AnsweredAt, before, before.AddMilliseconds(250));
        Assert.True(batch.Outcomes[1].AnsweredAt - batch.Outcomes[0].AnsweredAt >= TimeSpan.FromMilliseconds(250),
            $"{batch.Outcomes[0].AnsweredAt:O} then {batch.Outcomes[1].AnsweredAt:O}");
        Assert.InRange(tombstone.Outcomes[0].AnsweredAt, before, batch.Outcomes[1].AnsweredAt);
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

    [Fact]
    public async Task Requests_queued_behind_a_customers_message_go_as_one_after_its_answer_and_each_batch_gets_its_own_records_outcomes()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromMinutes(1));
        var first = Batch("acme:1");
        var second = Batch("acme:2", "acme:1", "acme:1");
        var third = Batch("acme:1");
        var fourth = Batch("acme:1", "acme:3");
        TellAll(dispatcher, first, second, third, fourth);

        var sent = await ExpectApplies(customers, 3);
        Assert.Equal(["acme:1", "acme:2", "acme:3"], sent.Select(m => m.EntityId));
        await customers.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        dispatcher.Tell(Applied(sent[0]), customers.Ref);
        var merged = await customers.ExpectMsgAsync<ApplyMentions>();
        Assert.Equal("acme:1", merged.EntityId);
        Assert.Equal(MentionsOf(RequestOf(second, "acme:1"), RequestOf(third, "acme:1"), RequestOf(fourth, "acme:1")), merged.Mentions);
        Assert.DoesNotContain(merged.Sequence, new[] { first, second, third, fourth }.SelectMany(b => b.Requests).Select(r => r.Sequence));
        await customers.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        // The customer applied the first mention, had applied the second before, threw on the third, applied the fourth.
        dispatcher.Tell(new MentionsApplied(
            [new MentionObservation(SentimentClass.Negative, MayQuote: false), null, null, new MentionObservation(SentimentClass.Positive, MayQuote: true)],
            [new FailedMention(2, "System.InvalidOperationException")]) { Sequence = merged.Sequence }, customers.Ref);
        await third.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(RejectReason.ProcessingError, third.Outcomes[0].Rejection?.Reason);
        // The other batches wait for their other customers, not for each other.
        Assert.False(second.Answered.IsCompleted);
        Assert.False(fourth.Answered.IsCompleted);

        dispatcher.Tell(Applied(sent[2]), customers.Ref);
        await fourth.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(second.Answered.IsCompleted);
        Assert.Equal(new MentionObservation(SentimentClass.Positive, MayQuote: true), fourth.Outcomes[0].Observation);
        dispatcher.Tell(Applied(sent[1]), customers.Ref);
        await second.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new MentionObservation(SentimentClass.Negative, MayQuote: false), second.Outcomes[1].Observation);
        Assert.Equal((null, null), (second.Outcomes[2].Observation, second.Outcomes[2].Rejection));
        Assert.Equal(7, _stats.Processed);
    }

    [Fact]
    public async Task A_failure_answer_to_a_merged_message_fails_every_record_of_every_batch_it_carries()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromMinutes(1));
        var queued = new[] { Batch("acme:1"), Batch("acme:1", "acme:1"), Batch("acme:1") };

        var merged = await QueueBehindAnAnsweredRequest(dispatcher, customers, queued);
        Assert.Equal(4, merged.Mentions.Count);
        dispatcher.Tell(new CustomerFailed("acme:1", "StoreRefusedException", "gave up") { Sequence = merged.Sequence }, customers.Ref);

        await Task.WhenAll(queued.Select(b => b.Answered)).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.All(queued.SelectMany(b => b.Outcomes), outcome => Assert.Equal(RejectReason.EntityFailed, outcome.Rejection?.Reason));
        Assert.Equal(1, _stats.Processed);
        // The customer's line is free again: its next request goes at once.
        var later = Batch("acme:1");
        dispatcher.Tell(later);
        Assert.Equal(later.Requests[0].Sequence, (await customers.ExpectMsgAsync<ApplyMentions>()).Sequence);
    }

    [Fact]
    public async Task A_profile_request_queued_between_mention_requests_travels_alone_and_nothing_is_merged_across_it()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromMinutes(1));
        var first = Batch("acme:1");
        var before = Batch("acme:1");
        var tombstone = Tombstone("acme:1");
        var after = new[] { Batch("acme:1"), Batch("acme:1") };
        TellAll(dispatcher, first, before, tombstone, after[0], after[1]);

        dispatcher.Tell(Applied(await customers.ExpectMsgAsync<ApplyMentions>()), customers.Ref);
        var alone = await customers.ExpectMsgAsync<ApplyMentions>();
        Assert.Equal(before.Requests[0].Sequence, alone.Sequence);
        await customers.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        dispatcher.Tell(Applied(alone), customers.Ref);
        var forget = await customers.ExpectMsgAsync<ApplyProfile>();
        Assert.Equal(tombstone.Requests[0].Sequence, forget.Sequence);
        await customers.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        dispatcher.Tell(new ProfileApplied(forget.Position) { Sequence = forget.Sequence }, customers.Ref);
        var merged = await customers.ExpectMsgAsync<ApplyMentions>();
        Assert.Equal(MentionsOf(after[0].Requests[0], after[1].Requests[0]), merged.Mentions);
        dispatcher.Tell(Applied(merged), customers.Ref);
        await Task.WhenAll(new[] { first, before, tombstone, after[0], after[1] }.Select(b => b.Answered)).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(5, _stats.Processed);
    }

    [Fact]
    public async Task A_merge_stops_at_the_most_mentions_a_message_may_carry()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromMinutes(1));
        var half = ApplyMentions.MaxMentions / 2 - 1;
        var queued = new[] { Batch([.. Enumerable.Repeat("acme:1", half)]), Batch([.. Enumerable.Repeat("acme:1", half)]), Batch([.. Enumerable.Repeat("acme:1", half)]) };

        var merged = await QueueBehindAnAnsweredRequest(dispatcher, customers, queued);
        Assert.Equal(MentionsOf(queued[0].Requests[0], queued[1].Requests[0]), merged.Mentions);
        dispatcher.Tell(Applied(merged), customers.Ref);
        var rest = await customers.ExpectMsgAsync<ApplyMentions>();
        Assert.Equal(queued[2].Requests[0].Sequence, rest.Sequence);
        dispatcher.Tell(Applied(rest), customers.Ref);
        await Task.WhenAll(queued.Select(b => b.Answered)).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.All(queued.SelectMany(b => b.Outcomes), outcome => Assert.NotNull(outcome.Observation));
    }

    [Fact]
    public async Task A_merge_stops_at_the_byte_budget_of_a_message()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromMinutes(1));
        var longest = new string('x', 10_000);
        var queued = new[] { BatchOfText(longest, "acme:1"), BatchOfText(longest, "acme:1"), BatchOfText(longest, "acme:1"), BatchOfText(longest, "acme:1") };

        var merged = await QueueBehindAnAnsweredRequest(dispatcher, customers, queued);
        var bytes = ApplyMentionsBound.EstimatedBytes(merged.Mentions);
        var nextBytes = ApplyMentionsBound.EstimatedBytes([.. MentionsOf(queued[merged.Mentions.Count].Requests[0])]);
        // More than one fits, not all: the bytes bound the merge, not the count.
        Assert.InRange(merged.Mentions.Count, 2, queued.Length - 1);
        Assert.True(ApplyMentionsBound.HasRoom(0, 0, merged.Mentions.Count, bytes));
        Assert.False(ApplyMentionsBound.HasRoom(merged.Mentions.Count, bytes, 1, nextBytes));
        dispatcher.Tell(Applied(merged), customers.Ref);
        var rest = await customers.ExpectMsgAsync<ApplyMentions>();
        Assert.Equal(queued.Length, merged.Mentions.Count + rest.Mentions.Count);
        dispatcher.Tell(Applied(rest), customers.Ref);
        await Task.WhenAll(queued.Select(b => b.Answered)).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1 + queued.Length, _stats.Processed);
    }

    [Fact]
    public async Task A_merged_message_not_answered_in_time_is_sent_again_under_its_number_and_its_late_second_answer_is_ignored()
    {
        var customers = CreateTestProbe();
        var dispatcher = Start(customers, TimeSpan.FromSeconds(3));
        var queued = new[] { Batch("acme:1"), Batch("acme:1"), Batch("acme:1") };

        var merged = await QueueBehindAnAnsweredRequest(dispatcher, customers, queued);
        Assert.Equal(3, merged.Mentions.Count);
        var later = Batch("acme:1");
        dispatcher.Tell(later);
        var again = await customers.ExpectMsgAsync<ApplyMentions>(TimeSpan.FromSeconds(15));
        Assert.Equal(merged, again);
        Assert.True(_stats.AskRetries >= 1);

        dispatcher.Tell(Applied(merged), customers.Ref);
        await Task.WhenAll(queued.Select(b => b.Answered)).WaitAsync(TimeSpan.FromSeconds(5));
        var next = await customers.ExpectMsgAsync<ApplyMentions>();
        Assert.Equal(later.Requests[0].Sequence, next.Sequence);
        // The customer answers the copy too, having applied its mentions already: that answer changes nothing and counts nothing.
        dispatcher.Tell(new MentionsApplied([.. again.Mentions.Select(_ => (MentionObservation?)null)]) { Sequence = again.Sequence }, customers.Ref);
        dispatcher.Tell(Applied(next), customers.Ref);
        await later.Answered.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.All(queued.SelectMany(b => b.Outcomes), outcome => Assert.NotNull(outcome.Observation));
        Assert.Equal(5, _stats.Processed);
    }
}
