using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>
/// Finds settings that bind to nothing (<c>Pipeline:Paralelism</c>, <c>SOCIALCRM__Kafka__BootstrapServer</c>,
/// <c>Rules:Crisis:InfluencerFollower</c>): a typo would otherwise leave the default in force without a word. Each is
/// named with the closest known setting.
/// </summary>
public static class UnknownSettings
{
    /// <summary>Sections bound elsewhere and checked there (<see cref="In"/>: the rules, the care console's own settings), or open-ended (logging).</summary>
    private static readonly string[] OtherSections = [RulesConfiguration.Section, "Logging", "Console"];

    private static readonly string[] TopSections = [.. typeof(SocialCrmOptions).GetProperties().Select(p => p.Name).Concat(OtherSections)];

    public static IReadOnlyList<string> Find(IConfiguration configuration)
    {
        var known = Known(typeof(SocialCrmOptions), "");
        var errors = new List<string>();
        foreach (var section in configuration.GetChildren())
        {
            if (!TopSections.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(Describe(section.Path, TopSections));
                continue;
            }
            if (OtherSections.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            var property = typeof(SocialCrmOptions).GetProperty(section.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)!;
            Check(section, property.PropertyType, known, errors);
        }
        return errors;
    }

    /// <summary>
    /// The settings under <paramref name="sectionName"/> that bind to nothing in <paramref name="type"/>: the rules (a
    /// brand's overrides too) and the care console's section, which are bound apart from the processor's options.
    /// </summary>
    public static IReadOnlyList<string> In(IConfiguration configuration, string sectionName, Type type)
    {
        var errors = new List<string>();
        var section = configuration.GetSection(sectionName);
        Check(section, type, Known(type, section.Path), errors);
        return errors;
    }

    /// <summary>Checks what <paramref name="section"/> holds against <paramref name="type"/>; <paramref name="known"/>: the paths a typo is compared with.</summary>
    private static void Check(IConfigurationSection section, Type type, IReadOnlyList<string> known, List<string> errors)
    {
        if (IsLeaf(type) || type.IsArray || IsList(type))
        {
            return;
        }
        if (DictionaryValueType(type) is { } valueType)
        {
            // The keys are data (a brand, a librdkafka property); what each holds is checked as its value type.
            foreach (var entry in section.GetChildren())
            {
                Check(entry, valueType, Known(valueType, entry.Path), errors);
            }
            return;
        }
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                errors.Add(Describe(child.Path, known));
                continue;
            }
            Check(child, property.PropertyType, known, errors);
        }
    }

    private static List<string> Known(Type type, string prefix)
    {
        var known = new List<string>();
        Collect(type, prefix, known);
        return known;
    }

    private static void Collect(Type type, string prefix, List<string> known)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var path = prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}";
            known.Add(path);
            if (!IsLeaf(property.PropertyType) && !typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                Collect(property.PropertyType, path, known);
            }
        }
    }

    private static bool IsList(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>);

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1] : null;

    private static bool IsLeaf(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(TimeSpan)
            || underlying == typeof(decimal) || underlying == typeof(DateTimeOffset) || underlying == typeof(Uri);
    }

    private static string Describe(string path, IReadOnlyList<string> known)
    {
        var closest = known.MinBy(candidate => EditDistance(candidate, path));
        var hint = closest is not null && EditDistance(closest, path) <= Math.Max(2, path.Length / 3)
            ? $" did you mean {closest}?"
            : $" known settings start with {string.Join(", ", TopSections)}";
        return $"{path} is not a setting (env SOCIALCRM__{path.Replace(":", "__", StringComparison.Ordinal)});{hint}";
    }

    /// <summary>Levenshtein distance, ignoring case (configuration keys are case-insensitive).</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
