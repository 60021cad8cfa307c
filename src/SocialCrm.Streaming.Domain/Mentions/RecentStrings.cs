namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>
/// The last few distinct values of a field that repeats across mentions (brand, lang), per thread: a value read
/// again is handed out as the string made the first time instead of a new one per mention.
/// </summary>
internal sealed class RecentStrings
{
    private const int Slots = 8;
    private readonly string[] _values = new string[Slots];
    private int _next;

    public string Get(ReadOnlySpan<char> value)
    {
        foreach (var known in _values)
        {
            if (known is null)
            {
                break;
            }
            if (value.SequenceEqual(known))
            {
                return known;
            }
        }
        var made = new string(value);
        _values[_next] = made;
        _next = (_next + 1) % Slots;
        return made;
    }
}
