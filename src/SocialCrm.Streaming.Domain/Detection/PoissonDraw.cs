namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// Draws mention counts from the model the detectors' false-alarm budgets assume (Poisson per minute, see
/// <see cref="TailBound"/>): for the scenarios that evaluate the detectors and for the tests of their budgets. The
/// caller's seeded <see cref="Random"/> keeps a draw reproducible.
/// </summary>
public static class PoissonDraw
{
    /// <summary>Poisson(mean): by inversion for small means, by the normal approximation for large ones.</summary>
    public static int Next(Random random, double mean)
    {
        if (mean >= 50)
        {
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * normal));
        }
        var limit = Math.Exp(-mean);
        var count = 0;
        for (var product = random.NextDouble(); product > limit; product *= random.NextDouble())
        {
            count++;
        }
        return count;
    }
}
