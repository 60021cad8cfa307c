namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>The fields of the contract; each may appear once (a second one is ambiguous, not "last wins").</summary>
internal enum MentionField { Id, Platform, Brand, CustomerId, Author, Text, Lang, CreatedAt, Kind, InReplyTo, Rating, Metrics, Sentiment, Url }

/// <summary>What has been read so far; required fields are checked once the object is complete.</summary>
internal struct MentionFields
{
    private int _seen;

    /// <summary>False when the field was already read.</summary>
    public bool MarkSeen(MentionField field)
    {
        var mask = 1 << (int)field;
        var first = (_seen & mask) == 0;
        _seen |= mask;
        return first;
    }

    public string? Id, Brand, CustomerId, Text, Lang, InReplyTo, Url;
    public Platform? Platform;
    public Author? Author;
    public DateTimeOffset? CreatedAt;
    public MentionKind Kind;
    public double? Rating, Sentiment;
    public EngagementMetrics? Metrics;

    public readonly ParseOutcome Build()
    {
        var missing = Id is null ? "id"
            : Platform is null ? "platform"
            : Brand is null ? "brand"
            : Author is null ? "author"
            : Text is null ? "text"
            : CreatedAt is null ? "createdAt"
            : null;
        if (missing is not null)
        {
            return ParseOutcome.Invalid(RejectReason.MissingField, $"{missing} is required");
        }
        return ParseOutcome.Valid(new Mention
        {
            Id = Id!,
            Platform = Platform!.Value,
            Brand = Brand!,
            CustomerId = CustomerId,
            Author = Author!,
            Text = Text!,
            Lang = Lang,
            CreatedAt = CreatedAt!.Value,
            Kind = Kind,
            InReplyTo = InReplyTo,
            Rating = Rating,
            Metrics = Metrics ?? EngagementMetrics.None,
            Sentiment = Sentiment,
            Url = Url,
        });
    }
}
