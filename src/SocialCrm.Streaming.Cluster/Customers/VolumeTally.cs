using System.Globalization;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>
/// Per-minute mention counts by sentiment class, gathered between two writes of an entity. Between two
/// writes an entity mostly counts one minute and class: that count is inline (a struct, inside the
/// <see cref="PendingEffects"/> that holds it), further ones go to a list made only then.
/// </summary>
public struct VolumeTally
{
    private Bucket _first;
    private List<Bucket>? _more;

    /// <summary>The minute text last formatted by any tally of the node: mentions mostly arrive within the same minute.</summary>
    private static MinuteText s_lastMinute = new(-1, "");

    public void Add(DateTimeOffset eventTime, SentimentClass sentimentClass)
    {
        var minute = eventTime.UtcTicks / TimeSpan.TicksPerMinute;
        if (_first.Count == 0 || _first.Is(minute, sentimentClass))
        {
            _first = new Bucket(minute, sentimentClass, _first.Count + 1);
            return;
        }
        _more ??= [];
        for (var i = 0; i < _more.Count; i++)
        {
            if (_more[i].Is(minute, sentimentClass))
            {
                _more[i] = _more[i] with { Count = _more[i].Count + 1 };
                return;
            }
        }
        _more.Add(new Bucket(minute, sentimentClass, 1));
    }

    public readonly IReadOnlyList<VolumeIncrement> ToIncrements()
    {
        if (_first.Count == 0)
        {
            return [];
        }
        var increments = new VolumeIncrement[1 + (_more?.Count ?? 0)];
        increments[0] = _first.ToIncrement();
        for (var i = 1; i < increments.Length; i++)
        {
            increments[i] = _more![i - 1].ToIncrement();
        }
        return increments;
    }

    private static string FormatMinute(long minute)
    {
        var last = Volatile.Read(ref s_lastMinute);
        if (last.Minute == minute)
        {
            return last.Text;
        }
        var text = new DateTime(minute * TimeSpan.TicksPerMinute, DateTimeKind.Utc).ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        Volatile.Write(ref s_lastMinute, new MinuteText(minute, text));
        return text;
    }

    /// <summary>A count of one sentiment class in one minute (minutes since 0001-01-01 UTC).</summary>
    private readonly record struct Bucket(long Minute, SentimentClass SentimentClass, int Count)
    {
        public bool Is(long minute, SentimentClass sentimentClass) => Minute == minute && SentimentClass == sentimentClass;

        public VolumeIncrement ToIncrement() => new(FormatMinute(Minute), SentimentClass.ToWire(), Count);
    }

    private sealed record MinuteText(long Minute, string Text);
}
