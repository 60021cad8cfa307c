using SocialCrm.Streaming.Domain.Ports;

namespace SocialCrm.Streaming.Cluster.Customers;

/// <summary>Per-minute mention counts by sentiment class, gathered between two writes of an entity.</summary>
public sealed class VolumeTally
{
    private readonly Dictionary<(string Minute, string SentimentClass), int> _counts = [];

    public void Add(DateTimeOffset eventTime, string sentimentClass)
    {
        var key = (eventTime.UtcDateTime.ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture), sentimentClass);
        _counts[key] = _counts.GetValueOrDefault(key) + 1;
    }

    public IReadOnlyList<VolumeIncrement> Drain()
    {
        if (_counts.Count == 0)
        {
            return [];
        }
        var increments = _counts.Select(c => new VolumeIncrement(c.Key.Minute, c.Key.SentimentClass, c.Value)).ToArray();
        _counts.Clear();
        return increments;
    }
}
