using SocialCrm.Streaming.Cluster.Customers;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// A message the <see cref="CustomerDispatcher"/> has in flight to one customer: one request as its batch built it, or
/// the customer's mention requests that queued up behind its previous message (one per batch under load), merged into
/// one <see cref="ApplyMentions"/> so that they cost the customer one write rather than one each. Its answer is split
/// back to the requests it carries, each completing in its own batch.
/// </summary>
internal sealed class CustomerMessage
{
    private readonly List<CustomerRequest> _requests;

    private CustomerMessage(long sequence, object message, List<CustomerRequest> requests)
    {
        Sequence = sequence;
        Message = message;
        _requests = requests;
        foreach (var request in requests)
        {
            Records += request.Records.Length;
        }
    }

    public long Sequence { get; }

    public object Message { get; }

    public string EntityId => _requests[0].EntityId;

    /// <summary>How many records of the batches it carries.</summary>
    public int Records { get; }

    /// <summary>When it was last sent.</summary>
    public DateTime SentAt { get; set; }

    public static CustomerMessage Of(CustomerRequest request) => new(request.Sequence, request.Message, [request]);

    /// <summary>
    /// Takes the next message off a customer's waiting requests: the first, merged with the mention requests right behind
    /// it while they fit one message (<see cref="ApplyMentionsBound"/>). A profile request is never merged: a tombstone must
    /// reach the customer in order with the mentions before and after it, and a profile travels as its own message type.
    /// </summary>
    /// <param name="nextMergedSequence">Numbers a merged message: its answer must be told apart from those of the requests it carries.</param>
    public static CustomerMessage TakeNext(Queue<CustomerRequest> waiting, Func<long> nextMergedSequence)
    {
        var first = waiting.Dequeue();
        if (first.Message is not ApplyMentions head || !waiting.TryPeek(out var second) || second.Message is not ApplyMentions)
        {
            return Of(first);
        }
        List<CustomerRequest> requests = [first];
        List<PositionedMention> mentions = [.. head.Mentions];
        var bytes = ApplyMentionsBound.EstimatedBytes(head.Mentions);
        while (waiting.TryPeek(out var next) && next.Message is ApplyMentions more)
        {
            var moreBytes = ApplyMentionsBound.EstimatedBytes(more.Mentions);
            if (!ApplyMentionsBound.HasRoom(mentions.Count, bytes, more.Mentions.Count, moreBytes))
            {
                break;
            }
            requests.Add(waiting.Dequeue());
            mentions.AddRange(more.Mentions);
            bytes += moreBytes;
        }
        if (requests.Count == 1)
        {
            return Of(first);
        }
        var sequence = nextMergedSequence();
        return new CustomerMessage(sequence, new ApplyMentions(first.EntityId, mentions) { Sequence = sequence }, requests);
    }

    /// <summary>Completes every request it carries, in its own batch: a merged answer's observations and failed indexes are the requests' in order.</summary>
    public void Complete(object answer, DateTimeOffset answeredAt)
    {
        var firstMention = 0;
        foreach (var request in _requests)
        {
            request.Batch.Complete(request, answer, firstMention, answeredAt);
            firstMention += request.Records.Length;
        }
    }
}
