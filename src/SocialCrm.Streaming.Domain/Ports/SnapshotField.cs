using System.Globalization;

namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>
/// One field of a stored customer snapshot. An integer is kept unformatted (<see cref="Text"/> null) so a
/// store can write its invariant digits without allocating a string; <see cref="Value"/> is the stored text
/// either way.
/// </summary>
public readonly record struct SnapshotField
{
    public SnapshotField(string name, string text)
    {
        Name = name;
        Text = text;
    }

    public SnapshotField(string name, long integer)
    {
        Name = name;
        Integer = integer;
    }

    public string Name { get; }

    /// <summary>The value as text, or null when the value is <see cref="Integer"/>.</summary>
    public string? Text { get; }

    public long Integer { get; }

    public string Value => Text ?? Integer.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => $"{Name}={Value}";
}
