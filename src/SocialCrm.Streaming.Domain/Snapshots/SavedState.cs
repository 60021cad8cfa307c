using System.Text.Json;

namespace SocialCrm.Streaming.Domain.Snapshots;

/// <summary>
/// Reading state this program saved (a replay's <c>--state-out</c>, a brand monitor's snapshot in Redis), which may
/// have been cut short, written by another version or by another tool: every flaw is one of a few exceptions
/// (<see cref="IsFlaw"/>), and a null where a string belongs is a <see cref="FormatException"/> naming the property,
/// never a null that fails later somewhere else.
/// </summary>
public static class SavedState
{
    /// <summary>The string property <paramref name="property"/> of <paramref name="element"/>.</summary>
    public static string RequiredString(this JsonElement element, string property) => Text(element.GetProperty(property), property);

    /// <summary><paramref name="value"/> as a string; <paramref name="what"/> names it when it is not one.</summary>
    public static string Text(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"{what}: a string was expected, found {value.ValueKind}");

    /// <summary>What reading an unreadable saved state throws: not JSON, a property missing or of another kind, a value out of range.</summary>
    public static bool IsFlaw(Exception failure) =>
        failure is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException or OverflowException;
}

/// <summary>
/// What a store holds where saved state belongs can never be read as it (a key of another type): the reader starts
/// afresh, as with a value it cannot read, rather than retry for good.
/// </summary>
public sealed class UnreadableStateException(string message, Exception? innerException = null) : FormatException(message, innerException);
