using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// The customer requests of one batch of records and what became of each record asked about; complete (<see cref="Answered"/>)
/// once every request is answered. Written by the <see cref="CustomerDispatcher"/> only, read after <see cref="Answered"/>.
/// </summary>
public sealed class CustomerBatch(int records)
{
    private readonly List<CustomerRequest> _requests = [];
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _unanswered;

    public IReadOnlyList<CustomerRequest> Requests => _requests;

    /// <summary>Per record of the batch (by index): its outcome, once answered; default for a record not asked about.</summary>
    public ApplyOutcome[] Outcomes { get; } = new ApplyOutcome[records];

    public Task Answered => _answered.Task;

    public void Add(CustomerRequest request)
    {
        _requests.Add(request);
        _unanswered++;
    }

    /// <param name="firstMention">
    /// Where the request's mentions start in the message answered: past those of the requests merged before it (0 when it travelled alone).
    /// </param>
    /// <param name="answeredAt">When the answer arrived: the customer answers once the records' effects are written.</param>
    internal void Complete(CustomerRequest request, object answer, int firstMention, DateTimeOffset answeredAt)
    {
        var records = request.Records;
        switch (answer)
        {
            case ProfileApplied:
                foreach (var record in records)
                {
                    Outcomes[record] = new ApplyOutcome(null, null, answeredAt);
                }
                break;
            case MentionsApplied applied:
                for (var i = 0; i < records.Length; i++)
                {
                    Outcomes[records[i]] = new ApplyOutcome(applied.Observations[firstMention + i], null, answeredAt);
                }
                foreach (var failed in applied.Failed)
                {
                    var mention = failed.Index - firstMention;
                    if (mention >= 0 && mention < records.Length)
                    {
                        Outcomes[records[mention]] = new ApplyOutcome(null,
                            new Rejection(RejectReason.ProcessingError, "applying the mention to its customer threw", failed.ExceptionType), answeredAt);
                    }
                }
                break;
            case CustomerFailed failed:
                var rejection = new Rejection(RejectReason.EntityFailed, failed.Detail, failed.ExceptionType);
                foreach (var record in records)
                {
                    Outcomes[record] = new ApplyOutcome(null, rejection, answeredAt);
                }
                break;
            default:
                throw new InvalidOperationException($"a customer answered {answer.GetType().Name}, which is no answer to an apply");
        }
        if (--_unanswered == 0)
        {
            _answered.TrySetResult();
        }
    }
}

/// <summary>One message to one customer: mentions of a batch (in order) or one profile record; <see cref="Records"/> are their indexes in the batch, one per mention.</summary>
public sealed class CustomerRequest(string entityId, long sequence, object message, CustomerBatch batch, int[] records)
{
    public string EntityId { get; } = entityId;
    public long Sequence { get; } = sequence;
    public object Message { get; } = message;
    public CustomerBatch Batch { get; } = batch;
    public int[] Records { get; } = records;
}

/// <summary>
/// What became of one record asked of its customer: applied (<see cref="Observation"/> says what the brand's counts
/// need, null when it was applied before), or set aside with a <see cref="Rejection"/> for the dead-letter topic; and
/// when its customer answered (default for a record not asked about).
/// </summary>
public readonly record struct ApplyOutcome(MentionObservation? Observation, Rejection? Rejection, DateTimeOffset AnsweredAt);
