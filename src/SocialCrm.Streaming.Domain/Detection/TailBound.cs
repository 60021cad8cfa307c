namespace SocialCrm.Streaming.Domain.Detection;

/// <summary>
/// Chernoff bounds on upper tail probabilities, in natural logarithms. Unlike a z-score, a Chernoff bound is an
/// upper bound at every count, however small (no normal approximation to break at 5 mentions a minute), so a test
/// that fires only when the bound is at most alpha has a false-alarm probability of at most alpha. Pure arithmetic.
/// </summary>
public static class TailBound
{
    /// <summary>ln of an upper bound on P(Binomial(n, p) &gt;= k): -n KL(k/n || p) when k/n &gt; p, else 0.</summary>
    public static double LogBinomial(int k, int n, double p)
    {
        if (n <= 0 || k <= n * p)
        {
            return 0;
        }
        if (p <= 0)
        {
            return double.NegativeInfinity;
        }
        if (p >= 1)
        {
            return 0;
        }
        var q = (double)k / n;
        var divergence = q * Math.Log(q / p) + (q < 1 ? (1 - q) * Math.Log((1 - q) / (1 - p)) : 0);
        return -n * divergence;
    }

    /// <summary>ln of an upper bound on P(Poisson(lambda) &gt;= x): -(x ln(x / lambda) - x + lambda) when x &gt; lambda, else 0.</summary>
    public static double LogPoisson(int x, double lambda)
    {
        if (x <= lambda)
        {
            return 0;
        }
        if (lambda <= 0)
        {
            return double.NegativeInfinity;
        }
        return -(x * Math.Log(x / lambda) - x + lambda);
    }
}
