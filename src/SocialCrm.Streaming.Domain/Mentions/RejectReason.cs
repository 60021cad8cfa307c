namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>Why a payload is not a valid mention (or, on the profiles topic, not a valid profile). The wire names go into dead-letter headers and metric labels.</summary>
public enum RejectReason
{
    TooLarge,
    InvalidUtf8,
    InvalidJson,
    TooDeep,
    NotAnObject,
    MissingField,
    InvalidField,
    KeyMismatch,
    InvalidProfile,
    /// <summary>A string decodes to something that is not text (an escaped lone surrogate such as <c>\ud800</c>).</summary>
    InvalidText,
    /// <summary>A field the contract knows appears twice in one object: which one is meant is ambiguous.</summary>
    DuplicateField,
    /// <summary>The event time lies beyond now plus the allowed skew, or outside the contract's range.</summary>
    EventTimeOutOfRange,
    /// <summary>Something on the record's path threw (a bug the record exposed): the record is set aside, the stream goes on.</summary>
    ProcessingError,
    /// <summary>The record's customer could not be loaded or written after bounded retries (the store refuses its data).</summary>
    EntityFailed,
    /// <summary>The brand is not in the allow-list, or is new while the number of brands is at its cap.</summary>
    UnknownBrand,
}

public static class RejectReasonNames
{
    public static string ToWire(this RejectReason reason) => reason switch
    {
        RejectReason.TooLarge => "too-large",
        RejectReason.InvalidUtf8 => "invalid-utf8",
        RejectReason.InvalidJson => "invalid-json",
        RejectReason.TooDeep => "too-deep",
        RejectReason.NotAnObject => "not-an-object",
        RejectReason.MissingField => "missing-field",
        RejectReason.InvalidField => "invalid-field",
        RejectReason.KeyMismatch => "key-mismatch",
        RejectReason.InvalidProfile => "invalid-profile",
        RejectReason.InvalidText => "invalid-text",
        RejectReason.DuplicateField => "duplicate-field",
        RejectReason.EventTimeOutOfRange => "event-time-out-of-range",
        RejectReason.ProcessingError => "processing-error",
        RejectReason.EntityFailed => "entity-failed",
        RejectReason.UnknownBrand => "unknown-brand",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "not a reject reason"),
    };
}

/// <summary>
/// A rejection: the reason code and a human detail naming the field and the rule; for a record set aside because
/// something threw, the exception's type (never its message, which could quote the payload).
/// </summary>
public sealed record Rejection(RejectReason Reason, string Detail, string? ExceptionType = null)
{
    public override string ToString() => $"{Reason.ToWire()}: {Detail}";
}
