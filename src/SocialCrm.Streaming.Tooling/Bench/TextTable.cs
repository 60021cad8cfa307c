using System.Text;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>A plain-text table: the first column left-aligned, the others right-aligned, two spaces between.</summary>
public sealed class TextTable(params string[] header)
{
    private readonly List<string[]> _rows = [header];

    public TextTable Add(params string[] cells)
    {
        _rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        var widths = Enumerable.Range(0, _rows.Max(r => r.Length))
            .Select(column => _rows.Max(r => column < r.Length ? r[column].Length : 0))
            .ToArray();
        var text = new StringBuilder();
        foreach (var row in _rows)
        {
            text.Append("  ");
            for (var column = 0; column < row.Length; column++)
            {
                text.Append(column == 0 ? row[column].PadRight(widths[column]) : "  " + row[column].PadLeft(widths[column]));
            }
            text.Append('\n');
        }
        return text.ToString().TrimEnd('\n');
    }
}
