using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Processing;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// The per-entity ask queue on its own: what it sends and when. The "entities" here are a recording function
/// whose replies the test releases, so the order and grouping of asks can be checked exactly.
/// </summary>
public sealed class EntityAskQueueTests
{
    /// <summary>Records every ask and lets the test answer them one by one.</summary>
    private sealed class Entities
    {
        private readonly List<(object Message, TaskCompletionSource<object> Reply)> _asks = [];

        public IReadOnlyList<object> Asked
        {
            get { lock (_asks) return [.. _asks.Select(a => a.Message)]; }
        }

        public Task<object> AskAsync(object message, int records, CancellationToken cancellationToken)
        {
            var reply = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_asks) _asks.Add((message, reply));
            return reply.Task;
        }

        /// <summary>Answers ask number <paramref name="index"/> as an entity that applied every mention of it.</summary>
        public void Confirm(int index)
        {
            (object Message, TaskCompletionSource<object> Reply) ask;
            lock (_asks) ask = _asks[index];
            ask.Reply.SetResult(ask.Message is ApplyMentions apply
                ? new MentionsApplied([.. apply.Mentions.Select(m => (MentionObservation?)Observation(m.Position))])
                : new ProfileApplied(((ApplyProfile)ask.Message).Position));
        }

        public void Answer(int index, object reply)
        {
            lock (_asks) _asks[index].Reply.SetResult(reply);
        }

        public void Fail(int index, Exception error)
        {
            lock (_asks) _asks[index].Reply.SetException(error);
        }

        public async Task WaitForAsksAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Asked.Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"expected {count} asks, saw {Asked.Count}");
                await Task.Delay(5);
            }
        }
    }

    /// <summary>An observation that names its offset (odd offsets may be quoted), so replies can be matched to mentions.</summary>
    private static MentionObservation Observation(SourcePosition position) => new(SentimentClass.Neutral, MayQuote: position.Offset % 2 == 1);

    private static PositionedMention At(long offset, int textLength = 10) => new(new Mention
    {
        Id = $"m{offset}",
        Platform = Platform.X,
        Brand = "acme",
        Author = new Author("a"),
        Text = new string('x', textLength),
        CreatedAt = DateTimeOffset.UnixEpoch,
    }, new SourcePosition(0, offset));

    private static long[] Offsets(object ask) => [.. ((ApplyMentions)ask).Mentions.Select(m => m.Position.Offset)];

    [Fact]
    public async Task Mentions_that_wait_behind_an_ask_of_their_entity_go_together_in_the_next_one()
    {
        var entities = new Entities();
        var queue = new EntityAskQueue(entities.AskAsync);

        var first = queue.ApplyMentionAsync("acme:C-1", At(0), default);
        var waiting = Enumerable.Range(1, 5).Select(i => queue.ApplyMentionAsync("acme:C-1", At(i), default)).ToArray();

        Assert.Equal([0L], Offsets(Assert.Single(entities.Asked)));
        entities.Confirm(0);
        Assert.Equal(Observation(new SourcePosition(0, 0)), (await first).Observation);
        await entities.WaitForAsksAsync(2);
        Assert.Equal([1L, 2, 3, 4, 5], Offsets(entities.Asked[1]));
        Assert.All(waiting, task => Assert.False(task.IsCompleted));

        entities.Confirm(1);
        var observations = await Task.WhenAll(waiting);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (MentionObservation?)Observation(new SourcePosition(0, i))), observations.Select(o => o.Observation));
    }

    [Fact]
    public async Task Different_entities_are_asked_at_once()
    {
        var entities = new Entities();
        var queue = new EntityAskQueue(entities.AskAsync);

        var tasks = Enumerable.Range(0, 4).Select(i => queue.ApplyMentionAsync($"acme:C-{i}", At(i), default)).ToArray();

        Assert.Equal(4, entities.Asked.Count);
        for (var i = 3; i >= 0; i--)
        {
            entities.Confirm(i);
        }
        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task A_profile_goes_alone_and_keeps_its_place_between_mentions()
    {
        var entities = new Entities();
        var queue = new EntityAskQueue(entities.AskAsync);
        var profile = new ApplyProfile("acme:C-1", null, new SourcePosition(0, 3));

        var tasks = new List<Task>
        {
            queue.ApplyMentionAsync("acme:C-1", At(0), default),
            queue.ApplyMentionAsync("acme:C-1", At(1), default),
            queue.ApplyMentionAsync("acme:C-1", At(2), default),
            queue.ApplyProfileAsync(profile, default),
            queue.ApplyMentionAsync("acme:C-1", At(4), default),
        };
        for (var ask = 0; ask < 4; ask++)
        {
            await entities.WaitForAsksAsync(ask + 1);
            entities.Confirm(ask);
        }
        await Task.WhenAll(tasks);

        Assert.Equal([0L], Offsets(entities.Asked[0]));
        Assert.Equal([1L, 2], Offsets(entities.Asked[1]));
        Assert.Same(profile, entities.Asked[2]);
        Assert.Equal([4L], Offsets(entities.Asked[3]));
    }

    [Fact]
    public async Task A_batch_stays_within_the_message_count_and_size_bounds()
    {
        var entities = new Entities();
        var queue = new EntityAskQueue(entities.AskAsync);

        var tasks = new List<Task> { queue.ApplyMentionAsync("acme:C-1", At(0), default) };
        tasks.AddRange(Enumerable.Range(1, ApplyMentions.MaxMentions + 10).Select(i => queue.ApplyMentionAsync("acme:C-1", At(i), default)));
        // Ten texts of the longest allowed length: up to 30 KB each, at most three fit the budget of a batch.
        tasks.AddRange(Enumerable.Range(1_000, 10).Select(i => queue.ApplyMentionAsync("acme:C-1", At(i, 10_000), default)));
        // Everything is queued before the first reply, so the batches are the same in every run.
        var asks = 0;
        do
        {
            await entities.WaitForAsksAsync(asks + 1);
            entities.Confirm(asks++);
        }
        while (entities.Asked.Sum(a => ((ApplyMentions)a).Mentions.Count) < tasks.Count || asks < entities.Asked.Count);
        await Task.WhenAll(tasks);

        var sizes = entities.Asked.Select(a => ((ApplyMentions)a).Mentions.Count).ToArray();
        Assert.Equal(1, sizes[0]);
        Assert.Equal(ApplyMentions.MaxMentions, sizes[1]);
        Assert.All(sizes, size => Assert.InRange(size, 1, ApplyMentions.MaxMentions));
        Assert.All(entities.Asked.Skip(3), ask => Assert.InRange(((ApplyMentions)ask).Mentions.Sum(m => m.Mention.Text.Length), 10_000, 30_000));
        Assert.Equal(Enumerable.Range(0, ApplyMentions.MaxMentions + 11).Select(i => (long)i).Concat(Enumerable.Range(1_000, 10).Select(i => (long)i)),
            entities.Asked.SelectMany(Offsets));
    }

    [Fact]
    public async Task A_failed_ask_fails_its_records_and_the_entity_goes_on_with_the_next()
    {
        var entities = new Entities();
        var queue = new EntityAskQueue(entities.AskAsync);

        var failed = queue.ApplyMentionAsync("acme:C-1", At(0), default);
        var next = queue.ApplyMentionAsync("acme:C-1", At(1), default);
        entities.Fail(0, new OperationCanceledException("stopping"));

        await Assert.ThrowsAsync<OperationCanceledException>(() => failed);
        await entities.WaitForAsksAsync(2);
        entities.Confirm(1);
        Assert.Equal(Observation(new SourcePosition(0, 1)), (await next).Observation);
    }
    [Fact]
    public async Task A_record_whose_check_is_still_running_keeps_its_place_and_is_set_aside_when_the_check_fails()
    {
        var entities = new Entities();
        var queue = new EntityAskQueue(entities.AskAsync);
        var brandCheck = new TaskCompletionSource<Rejection?>(TaskCreationOptions.RunContinuationsAsynchronously);

        var held = queue.ApplyMentionAsync("acme:C-1", At(0), default, brandCheck.Task);
        var next = queue.ApplyMentionAsync("acme:C-1", At(1), default);
        var other = queue.ApplyMentionAsync("acme:C-2", At(2), default);

        // Another customer goes on; this one waits for the check of its earlier record.
        await entities.WaitForAsksAsync(1);
        Assert.Equal("acme:C-2", ((ApplyMentions)Assert.Single(entities.Asked)).EntityId);
        var rejection = new Rejection(RejectReason.UnknownBrand, "brand 'acme' is new and Tenants:MaxBrands (1) brands are registered already");
        brandCheck.SetResult(rejection);

        Assert.Equal(new ApplyOutcome(null, rejection), await held);
        await entities.WaitForAsksAsync(2);
        Assert.Equal([1L], Offsets(entities.Asked[1]));
        entities.Confirm(1);
        Assert.Equal(Observation(new SourcePosition(0, 1)), (await next).Observation);
        entities.Confirm(0);
        Assert.Null((await other).Rejection);
    }

    [Fact]
    public async Task A_customer_that_gave_up_sets_every_record_of_the_ask_aside()
    {
        var entities = new Entities();
        var queue = new EntityAskQueue(entities.AskAsync);
        var first = queue.ApplyMentionAsync("acme:C-1", At(0), default);
        var second = queue.ApplyMentionAsync("acme:C-1", At(1), default);
        var failed = new CustomerFailed("acme:C-1", "SocialCrm.Streaming.Domain.Ports.StoreRefusedException", "Loading the customer failed after 5 attempt(s)");

        entities.Answer(0, failed);
        await entities.WaitForAsksAsync(2);
        entities.Answer(1, new MentionsApplied([null], [new FailedMention(0, "System.InvalidOperationException")]));

        var outcome = await first;
        Assert.Equal(new Rejection(RejectReason.EntityFailed, failed.Detail, failed.ExceptionType), outcome.Rejection);
        Assert.Equal(RejectReason.ProcessingError, (await second).Rejection!.Reason);
        Assert.Equal("System.InvalidOperationException", (await second).Rejection!.ExceptionType);
    }
}
