namespace SocialCrm.Streaming.Host.Generation;

/// <summary>
/// Ranks 0..n-1 drawn with probability proportional to 1 / (rank + 1)^exponent: a few customers write
/// most of the mentions, as on real social media. Sampling is a binary search in the cumulative
/// distribution (8 bytes per rank, built once).
/// </summary>
public sealed class ZipfDistribution
{
    private readonly double[] _cumulative;

    public ZipfDistribution(int count, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        _cumulative = new double[count];
        var sum = 0.0;
        for (var rank = 0; rank < count; rank++)
        {
            sum += 1 / Math.Pow(rank + 1, exponent);
            _cumulative[rank] = sum;
        }
        for (var rank = 0; rank < count; rank++)
        {
            _cumulative[rank] /= sum;
        }
    }

    public int Count => _cumulative.Length;

    public int Sample(Random random)
    {
        var index = Array.BinarySearch(_cumulative, random.NextDouble());
        // Not found: the complement is the first rank whose cumulative share exceeds the draw.
        return Math.Min(index >= 0 ? index : ~index, _cumulative.Length - 1);
    }
}
