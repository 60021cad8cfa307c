using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Groups the admitted records of one batch by customer into requests, in record order: a customer's mentions
/// travel in one <see cref="ApplyMentions"/> (split only where the size bounds say so), a profile record alone
/// (a tombstone must be: the customer forgets itself in order with what comes before and after it).
/// </summary>
public sealed class CustomerBatchBuilder
{
    /// <summary>
    /// A bound on a message's size across nodes, under remoting's default frame of 128,000 bytes: a mention's
    /// strings are counted at 3 UTF-8 bytes a character (the most a UTF-16 character needs), plus its numbers.
    /// </summary>
    private const int MessageByteBudget = 96_000;

    private const int BytesPerMentionBesidesStrings = 64;

    private readonly Dictionary<string, MentionRun> _open = new(StringComparer.Ordinal);
    private readonly CustomerBatch _batch;
    private readonly Func<long> _nextSequence;

    /// <param name="records">How many records the batch holds (requests refer to them by index).</param>
    /// <param name="nextSequence">Numbers the requests, unique per dispatcher.</param>
    public CustomerBatchBuilder(int records, Func<long> nextSequence)
    {
        _batch = new CustomerBatch(records);
        _nextSequence = nextSequence;
    }

    public void AddMention(int record, string entityId, PositionedMention mention)
    {
        var bytes = EstimatedBytes(mention.Mention);
        if (_open.TryGetValue(entityId, out var run)
            && (run.Mentions.Count == ApplyMentions.MaxMentions || run.Bytes + bytes > MessageByteBudget))
        {
            Close(entityId, run);
            run = null;
        }
        if (run is null)
        {
            run = new MentionRun();
            _open.Add(entityId, run);
        }
        run.Mentions.Add(mention);
        run.Records.Add(record);
        run.Bytes += bytes;
    }

    public void AddProfile(int record, ApplyProfile profile)
    {
        if (_open.TryGetValue(profile.EntityId, out var run))
        {
            Close(profile.EntityId, run);
        }
        var sequence = _nextSequence();
        _batch.Add(new CustomerRequest(profile.EntityId, sequence, profile with { Sequence = sequence }, _batch, [record]));
    }

    /// <summary>The batch with every request; the builder is done.</summary>
    public CustomerBatch Build()
    {
        foreach (var (entityId, run) in _open)
        {
            Add(entityId, run);
        }
        _open.Clear();
        return _batch;
    }

    private void Close(string entityId, MentionRun run)
    {
        Add(entityId, run);
        _open.Remove(entityId);
    }

    private void Add(string entityId, MentionRun run)
    {
        var sequence = _nextSequence();
        _batch.Add(new CustomerRequest(entityId, sequence, new ApplyMentions(entityId, run.Mentions) { Sequence = sequence }, _batch, [.. run.Records]));
    }

    private static int EstimatedBytes(Mention mention)
    {
        var characters = mention.Text.Length + mention.Id.Length + mention.Brand.Length + (mention.CustomerId?.Length ?? 0)
            + mention.Author.Id.Length + (mention.Author.Handle?.Length ?? 0) + (mention.Lang?.Length ?? 0) + (mention.InReplyTo?.Length ?? 0)
            + (mention.Url?.Length ?? 0);
        return 3 * characters + BytesPerMentionBesidesStrings;
    }

    private sealed class MentionRun
    {
        public List<PositionedMention> Mentions { get; } = [];
        public List<int> Records { get; } = [];
        public int Bytes { get; set; }
    }
}
