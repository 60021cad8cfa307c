using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>
/// Durations as people write them, in flags and settings alike: "500ms", "30s", "5m", "2h", "7d", or a .NET TimeSpan
/// ("00:00:30", "1.00:00:00"). A bare number other than 0 is refused: .NET reads "30" as thirty days, so
/// <c>Kafka:DrainTimeout=30</c> let a stop wait a month where thirty seconds were meant.
/// </summary>
public static class Durations
{
    private const string Examples = "write 500ms, 30s, 5m, 2h, 7d or 00:00:30";

    private static readonly (string Suffix, Func<double, TimeSpan> Make)[] Units =
    [
        ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours), ("d", TimeSpan.FromDays),
    ];

    /// <summary>The duration <paramref name="value"/> names, not negative; <see cref="FormatException"/> saying how to write one otherwise.</summary>
    public static TimeSpan Parse(string value) =>
        !TryParse(value, out var duration, out var problem) ? throw new FormatException(problem)
        : duration < TimeSpan.Zero ? throw new FormatException($"'{value}' is negative: {Examples}")
        : duration;

    /// <summary>
    /// Rewrites each TimeSpan setting of <paramref name="options"/> (under <paramref name="section"/>) written with a unit
    /// into the form the configuration binder reads, and names each that is no duration.
    /// </summary>
    public static IReadOnlyList<string> Normalize(IConfiguration configuration, Type options, string section = "")
    {
        var errors = new List<string>();
        foreach (var key in DurationKeys(options, section, depth: 0))
        {
            if (configuration[key] is not { } value)
            {
                continue;
            }
            if (TryParse(value, out var duration, out var problem))
            {
                configuration[key] = duration.ToString("c", CultureInfo.InvariantCulture);
            }
            else
            {
                errors.Add($"{key} {problem}");
            }
        }
        return errors;
    }

    private static bool TryParse(string value, out TimeSpan duration, out string problem)
    {
        var text = value.Trim();
        problem = "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            duration = TimeSpan.Zero;
            problem = $"'{value}' has no unit, and .NET would read it as {text} days: {Examples}";
            return bare == 0;
        }
        foreach (var (suffix, make) in Units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
                && amount >= 0 && double.IsFinite(amount))
            {
                try
                {
                    duration = make(amount);
                    return true;
                }
                catch (OverflowException)
                {
                    break;
                }
            }
        }
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration))
        {
            return true;
        }
        problem = $"'{value}' is not a duration: {Examples}";
        return false;
    }

    /// <summary>The configuration keys of every TimeSpan property of <paramref name="options"/> and of its nested option classes.</summary>
    private static IEnumerable<string> DurationKeys(Type options, string section, int depth)
    {
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.CanWrite))
        {
            var key = section.Length == 0 ? property.Name : $"{section}:{property.Name}";
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (type == typeof(TimeSpan))
            {
                yield return key;
            }
            else if (depth < 4 && type.IsClass && type.Namespace?.StartsWith("SocialCrm.", StringComparison.Ordinal) == true)
            {
                foreach (var nested in DurationKeys(type, key, depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }
}
