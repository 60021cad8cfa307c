using System.Text.Json;

namespace SocialCrm.Streaming.Kafka.Topology;

/// <summary>One topic of topology/topics.json.</summary>
/// <param name="Name">The Kafka topic name.</param>
/// <param name="Role">What the code uses it for: one of <see cref="TopicRoles.All"/>.</param>
/// <param name="Partitions">Partition count (&gt; 0). Mentions and profiles must be equal (co-partitioned).</param>
/// <param name="ReplicationFactor">Replication factor (&gt; 0).</param>
/// <param name="CleanupPolicy">Kafka cleanup.policy: delete, compact or "compact,delete".</param>
/// <param name="RetentionMs">Kafka retention.ms; null = broker default (compacted topics).</param>
/// <param name="ValueSchema">Path of the value's JSON Schema, relative to the topology folder.</param>
public sealed record TopicSpec(string Name, string Role, int Partitions, short ReplicationFactor, string CleanupPolicy, long? RetentionMs, string ValueSchema)
{
    /// <summary>Human description of the record key (from the file's key.description).</summary>
    public string KeyDescription { get; init; } = "";

    /// <summary>
    /// Kafka message.timestamp.type: CreateTime (the producer's) or LogAppendTime (the broker's); null = broker default.
    /// The input topics take the broker's, so the processing latency counts from the append, whatever clock or event time
    /// a producer stamps its records with.
    /// </summary>
    public string? TimestampType { get; init; }

    /// <summary>Kafka topic configs this spec implies (cleanup.policy; retention.ms and message.timestamp.type when set).</summary>
    public IReadOnlyDictionary<string, string> Configs
    {
        get
        {
            var configs = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["cleanup.policy"] = CleanupPolicy };
            if (RetentionMs is { } retention)
            {
                configs["retention.ms"] = retention.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            if (TimestampType is { } timestampType)
            {
                configs["message.timestamp.type"] = timestampType;
            }
            return configs;
        }
    }
}

/// <summary>The roles a topic can play; each appears exactly once in topics.json.</summary>
public static class TopicRoles
{
    public const string Mentions = "mentions";
    public const string Profiles = "profiles";
    public const string DeadLetter = "deadLetter";
    public const string CrisisAlerts = "crisisAlerts";
    public const string LifecycleTriggers = "lifecycleTriggers";
    /// <summary>Written by the care console, not the processor: what agents did on alerts and triggers.</summary>
    public const string CaseEvents = "caseEvents";
    /// <summary>The customers and prospects erased, for CRM systems to follow.</summary>
    public const string Erasures = "erasures";

    public static IReadOnlyList<string> All { get; } = [Mentions, Profiles, DeadLetter, CrisisAlerts, LifecycleTriggers, CaseEvents, Erasures];
}

/// <summary>topology/topics.json is missing, unreadable or breaks a rule; the message names every bad field.</summary>
public sealed class TopologyException : Exception
{
    public TopologyException(string source, IReadOnlyList<string> errors)
        : base($"Invalid topology {source}: " + string.Join("; ", errors))
    {
        Source = source;
        Errors = errors;
    }

    public new string Source { get; }

    public IReadOnlyList<string> Errors { get; }
}

/// <summary>
/// Every Kafka topic of the product, loaded from topology/topics.json: the one source of truth for
/// topic names and partition counts. Loading validates the file (unique names, every role exactly
/// once, partitions and replication &gt; 0, known cleanup policies, mentions and profiles
/// co-partitioned) and throws <see cref="TopologyException"/> naming each bad field.
/// </summary>
public sealed class TopicCatalog
{
    public const string FileName = "topics.json";
    public const string FolderName = "topology";

    private static readonly string[] CleanupPolicies = ["delete", "compact", "compact,delete", "delete,compact"];

    private TopicCatalog(IReadOnlyList<TopicSpec> topics, string source, string? directory)
    {
        Topics = topics;
        Source = source;
        Directory = directory;
        TopicSpec ByRole(string role) => topics.Single(t => t.Role == role);
        Mentions = ByRole(TopicRoles.Mentions);
        Profiles = ByRole(TopicRoles.Profiles);
        DeadLetter = ByRole(TopicRoles.DeadLetter);
        CrisisAlerts = ByRole(TopicRoles.CrisisAlerts);
        LifecycleTriggers = ByRole(TopicRoles.LifecycleTriggers);
        CaseEvents = ByRole(TopicRoles.CaseEvents);
        Erasures = ByRole(TopicRoles.Erasures);
    }

    /// <summary>All topics, in file order.</summary>
    public IReadOnlyList<TopicSpec> Topics { get; }

    public TopicSpec Mentions { get; }
    public TopicSpec Profiles { get; }
    public TopicSpec DeadLetter { get; }
    public TopicSpec CrisisAlerts { get; }
    public TopicSpec LifecycleTriggers { get; }
    public TopicSpec CaseEvents { get; }
    public TopicSpec Erasures { get; }

    /// <summary>Where the catalog came from (a file path, or the name given to <see cref="Parse"/>).</summary>
    public string Source { get; }

    /// <summary>The topology folder (schemas are relative to it), or null when parsed from text.</summary>
    public string? Directory { get; }

    /// <summary>The topic with this name, or null.</summary>
    public TopicSpec? Find(string name) => Topics.FirstOrDefault(t => t.Name == name);

    /// <summary>The absolute path of a topic's value schema (requires a catalog loaded from a file).</summary>
    public string SchemaPath(TopicSpec topic) =>
        Path.GetFullPath(Path.Combine(Directory ?? throw new InvalidOperationException("catalog was not loaded from a file"), topic.ValueSchema));

    public static TopicCatalog Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TopologyException(path, [$"cannot read the file: {ex.Message}"]);
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>
    /// topology/topics.json beside the executable (the Host copies topology/ into its output), else
    /// the first topology/topics.json found walking up from the current directory.
    /// </summary>
    public static TopicCatalog LoadDefault() => Load(FindDefaultPath());

    /// <summary>The path <see cref="LoadDefault"/> reads; throws <see cref="TopologyException"/> when there is none.</summary>
    public static string FindDefaultPath()
    {
        var tried = new List<string>();
        var besideExecutable = Path.Combine(AppContext.BaseDirectory, FolderName, FileName);
        tried.Add(besideExecutable);
        if (File.Exists(besideExecutable))
        {
            return besideExecutable;
        }
        for (var dir = new DirectoryInfo(System.IO.Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, FolderName, FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        tried.Add($"{FolderName}/{FileName} in {System.IO.Directory.GetCurrentDirectory()} and its parents");
        throw new TopologyException(FileName, [$"not found (looked at {string.Join(", ", tried)})"]);
    }

    /// <summary>Parses and validates the text of a topics.json.</summary>
    public static TopicCatalog Parse(string json, string source = FileName, string? directory = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new TopologyException(source, [$"not valid JSON: {ex.Message}"]);
        }

        using (document)
        {
            var errors = new List<string>();
            var topics = new List<TopicSpec>();
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("topics", out var array)
                || array.ValueKind != JsonValueKind.Array)
            {
                throw new TopologyException(source, ["topics: required, an array of topics"]);
            }

            var index = 0;
            foreach (var element in array.EnumerateArray())
            {
                var spec = ReadTopic(element, $"topics[{index}]", errors);
                if (spec is not null)
                {
                    topics.Add(spec);
                }
                index++;
            }

            foreach (var duplicate in topics.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                errors.Add($"topics[].name: '{duplicate.Key}' appears {duplicate.Count()} times; names must be unique");
            }
            foreach (var role in TopicRoles.All)
            {
                var count = topics.Count(t => t.Role == role);
                if (count != 1)
                {
                    errors.Add(count == 0
                        ? $"topics[].role: no topic has role '{role}'; every role ({string.Join(", ", TopicRoles.All)}) needs exactly one"
                        : $"topics[].role: {count} topics have role '{role}'; it must be exactly one");
                }
            }
            var mentions = topics.FirstOrDefault(t => t.Role == TopicRoles.Mentions);
            var profiles = topics.FirstOrDefault(t => t.Role == TopicRoles.Profiles);
            if (mentions is not null && profiles is not null && mentions.Partitions != profiles.Partitions)
            {
                errors.Add($"partitions: mentions topic '{mentions.Name}' has {mentions.Partitions} and profiles topic '{profiles.Name}' has {profiles.Partitions}; they must be co-partitioned (equal counts)");
            }
            if (profiles is not null && !profiles.CleanupPolicy.Contains("compact", StringComparison.Ordinal))
            {
                errors.Add($"cleanupPolicy: profiles topic '{profiles.Name}' must be compacted, is '{profiles.CleanupPolicy}'");
            }
            if (directory is not null)
            {
                foreach (var topic in topics.Where(t => t.ValueSchema.Length > 0))
                {
                    if (!File.Exists(Path.Combine(directory, topic.ValueSchema)))
                    {
                        errors.Add($"valueSchema: '{topic.ValueSchema}' of topic '{topic.Name}' does not exist in {directory}");
                    }
                }
            }

            if (errors.Count > 0)
            {
                throw new TopologyException(source, errors);
            }
            return new TopicCatalog(topics, source, directory);
        }
    }

    private static TopicSpec? ReadTopic(JsonElement element, string path, List<string> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path}: must be an object");
            return null;
        }
        var before = errors.Count;
        var name = RequiredString(element, "name", path, errors);
        var at = name is null ? path : $"{path} ('{name}')";
        if (name is not null && (name.Length > 249 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')) || name is "." or ".."))
        {
            errors.Add($"{at}.name: '{name}' is not a legal Kafka topic name ([a-zA-Z0-9._-], at most 249 characters)");
        }
        var role = RequiredString(element, "role", at, errors);
        if (role is not null && !TopicRoles.All.Contains(role))
        {
            errors.Add($"{at}.role: '{role}' is not one of {string.Join(", ", TopicRoles.All)}");
        }
        var partitions = RequiredInteger(element, "partitions", at, errors, 1, int.MaxValue);
        var replication = RequiredInteger(element, "replicationFactor", at, errors, 1, short.MaxValue);
        var cleanup = RequiredString(element, "cleanupPolicy", at, errors);
        if (cleanup is not null && !CleanupPolicies.Contains(cleanup))
        {
            errors.Add($"{at}.cleanupPolicy: '{cleanup}' is not one of delete, compact, compact,delete");
        }
        long? retention = null;
        if (element.TryGetProperty("retentionMs", out var retentionElement) && retentionElement.ValueKind != JsonValueKind.Null)
        {
            if (retentionElement.ValueKind != JsonValueKind.Number || !retentionElement.TryGetInt64(out var value) || value < -1)
            {
                errors.Add($"{at}.retentionMs: must be a whole number of milliseconds >= -1 (-1 = forever) or null (broker default)");
            }
            else
            {
                retention = value;
            }
        }
        string? timestampType = null;
        if (element.TryGetProperty("timestampType", out var timestampElement) && timestampElement.ValueKind != JsonValueKind.Null)
        {
            timestampType = timestampElement.ValueKind == JsonValueKind.String ? timestampElement.GetString() : null;
            if (timestampType is not ("CreateTime" or "LogAppendTime"))
            {
                errors.Add($"{at}.timestampType: must be CreateTime, LogAppendTime or null (broker default)");
            }
        }
        var keyDescription = "";
        if (!element.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{at}.key: required, an object with a description (and optionally a schema)");
        }
        else
        {
            keyDescription = RequiredString(key, "description", $"{at}.key", errors) ?? "";
        }
        var valueSchema = RequiredString(element, "valueSchema", at, errors);
        if (valueSchema is not null && (Path.IsPathRooted(valueSchema) || valueSchema.Contains("..", StringComparison.Ordinal)))
        {
            errors.Add($"{at}.valueSchema: '{valueSchema}' must be a path inside the topology folder");
        }

        return errors.Count > before
            ? null
            : new TopicSpec(name!, role!, (int)partitions!.Value, (short)replication!.Value, cleanup!, retention, valueSchema!) { KeyDescription = keyDescription, TimestampType = timestampType };
    }

    private static string? RequiredString(JsonElement element, string property, string path, List<string> errors)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
        {
            errors.Add($"{path}.{property}: required, a non-empty string");
            return null;
        }
        return value.GetString();
    }

    private static long? RequiredInteger(JsonElement element, string property, string path, List<string> errors, long min, long max)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            errors.Add($"{path}.{property}: required, a whole number");
            return null;
        }
        if (number < min || number > max)
        {
            errors.Add($"{path}.{property}: must be within {min}..{max}, is {number}");
            return null;
        }
        return number;
    }
}
