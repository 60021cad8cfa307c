using System.Text.Json;

namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>The rejections that several of <see cref="MentionParser"/>'s field readers give, so they are worded alike.</summary>
internal static class FieldRejections
{
    public static Rejection Duplicate(string field) =>
        new(RejectReason.DuplicateField, $"{field} appears more than once; which one is meant is ambiguous");

    public static Rejection NotText(string field) =>
        new(RejectReason.InvalidText, $"{field} is not valid text: an escape decodes to an unpaired surrogate");

    public static Rejection? LengthOutside(string field, int length, int minLength, int maxLength) =>
        length < minLength || length > maxLength
            ? new Rejection(RejectReason.InvalidField, $"{field} must have {minLength}..{maxLength} characters, has {length}")
            : null;

    public static Rejection WrongType(string field, string expected, JsonTokenType actual) =>
        new(RejectReason.InvalidField, $"{field} must be {expected}, was {Describe(actual)}");

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
