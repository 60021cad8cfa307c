using SocialCrm.Streaming.Cluster.Customers;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Groups the admitted records of one batch by customer into requests, in record order: a customer's mentions
/// travel in one <see cref="ApplyMentions"/> (split only where <see cref="ApplyMentionsBound"/> says so), a profile record alone
/// (a tombstone must be: the customer forgets itself in order with what comes before and after it).
/// </summary>
public sealed class CustomerBatchBuilder
{
    private readonly Dictionary<string, MentionRun> _open = new(StringComparer.Ordinal);
    private readonly CustomerBatch _batch;
    private readonly Func<long> _nextSequence;

    /// <param name="records">How many records the batch holds (requests refer to them by index).</param>
    /// <param name="nextSequence">
    /// Numbers the requests, unique per dispatcher and above zero: the dispatcher numbers the messages it merges below
    /// zero, so the two never meet (and 0 stays an ask's, see <see cref="ICustomerExchange"/>).
    /// </param>
    public CustomerBatchBuilder(int records, Func<long> nextSequence)
    {
        _batch = new CustomerBatch(records);
        _nextSequence = nextSequence;
    }

    public void AddMention(int record, string entityId, PositionedMention mention)
    {
        var bytes = ApplyMentionsBound.EstimatedBytes(mention.Mention);
        if (_open.TryGetValue(entityId, out var run) && !ApplyMentionsBound.HasRoom(run.Mentions.Count, run.Bytes, 1, bytes))
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
        var sequence = NextSequence();
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
        var sequence = NextSequence();
        _batch.Add(new CustomerRequest(entityId, sequence, new ApplyMentions(entityId, run.Mentions) { Sequence = sequence }, _batch, [.. run.Records]));
    }

    private long NextSequence()
    {
        var sequence = _nextSequence();
        return sequence > 0 ? sequence : throw new InvalidOperationException($"request sequence numbers must be above zero (the dispatcher's merged messages use the numbers below), got {sequence}");
    }

    /// <remarks>
    /// The lists start with room for one: in a batch most customers have a single mention (a list's default first
    /// array holds four), and only the few busy ones grow theirs.
    /// </remarks>
    private sealed class MentionRun
    {
        public List<PositionedMention> Mentions { get; } = new(1);
        public List<int> Records { get; } = new(1);
        public int Bytes { get; set; }
    }
}
