using System.Collections.Frozen;
using System.Runtime.Serialization;
using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Detection;

namespace SocialCrm.Streaming.Cluster.Serialization;

/// <summary>One row of <see cref="ClusterMessageTable"/>: a message type, its manifest and how its payload is written and read.</summary>
public sealed class ClusterMessageEntry
{
    private readonly Action<ClusterWireWriter, object> _write;
    private readonly Func<ClusterWireReader, object> _read;

    private ClusterMessageEntry(Type type, string manifest, Action<ClusterWireWriter, object> write, Func<ClusterWireReader, object> read)
    {
        Type = type;
        Manifest = manifest;
        _write = write;
        _read = read;
    }

    public Type Type { get; }

    /// <summary>Short and stable: it travels with every message; changing it breaks rolling upgrades.</summary>
    public string Manifest { get; }

    public static ClusterMessageEntry Create<T>(string manifest, Action<ClusterWireWriter, T> write, Func<ClusterWireReader, T> read)
        where T : class =>
        new(typeof(T), manifest, (writer, message) => write(writer, (T)message), reader => read(reader));

    internal void Write(ClusterWireWriter writer, object message) => _write(writer, message);

    internal object Read(ClusterWireReader reader) => _read(reader);
}

/// <summary>
/// Every message that crosses nodes: type, manifest, writer and reader. To add a message: give it
/// <see cref="IClusterMessage"/>, add one <see cref="ClusterMessageEntry.Create{T}"/> line below with a new short
/// manifest (never reuse a retired one), and add its round-trip test. The payload is one
/// <see cref="FormatVersion"/> byte followed by the fields in the order the writer puts them.
/// </summary>
public static class ClusterMessageTable
{
    /// <summary>The leading byte of every payload. Bump it when a layout changes, and keep reading the old one until every node runs the new code.</summary>
    public const byte FormatVersion = 1;

    private static readonly ClusterMessageEntry[] AllEntries =
    [
        // Customer entity (Customers/CustomerProtocol.cs)
        // Retired manifests: "am" and "ma" (one mention per ask, before asks were batched per customer), "ams" (mentions without url),
        // "amu", "maf", "cf", "ap" and "pa" (without the sender's sequence number).
        ClusterMessageEntry.Create<ApplyMentions>(
            "amq",
            (w, m) =>
            {
                w.WriteString(m.EntityId, "entityId");
                w.WriteInt64(m.Sequence);
                w.WriteInt32(m.Mentions.Count);
                foreach (var (mention, position) in m.Mentions)
                {
                    w.WriteMention(mention);
                    w.WritePosition(position);
                }
            },
            r =>
            {
                var entityId = r.ReadString("entityId");
                var sequence = r.ReadInt64();
                var mentions = new PositionedMention[r.ReadCount("mentions", ApplyMentions.MaxMentions)];
                for (var i = 0; i < mentions.Length; i++)
                {
                    mentions[i] = new PositionedMention(r.ReadMention(), r.ReadPosition());
                }
                return new ApplyMentions(entityId, mentions) { Sequence = sequence };
            }),
        // Retired manifest: "mas" (no failed mentions).
        ClusterMessageEntry.Create<MentionsApplied>(
            "maq",
            (w, m) =>
            {
                w.WriteInt64(m.Sequence);
                w.WriteInt32(m.Observations.Count);
                foreach (var observation in m.Observations)
                {
                    w.WriteNullableObservation(observation);
                }
                w.WriteInt32(m.Failed.Count);
                foreach (var failed in m.Failed)
                {
                    w.WriteInt32(failed.Index);
                    w.WriteString(failed.ExceptionType, "exceptionType");
                }
            },
            r =>
            {
                var sequence = r.ReadInt64();
                var observations = new MentionObservation?[r.ReadCount("observations", ApplyMentions.MaxMentions)];
                for (var i = 0; i < observations.Length; i++)
                {
                    observations[i] = r.ReadNullableObservation();
                }
                var failed = new FailedMention[r.ReadCount("failed", observations.Length)];
                for (var i = 0; i < failed.Length; i++)
                {
                    failed[i] = new FailedMention(r.ReadInt32(), r.ReadString("exceptionType"));
                    if (failed[i].Index < 0 || failed[i].Index >= observations.Length)
                    {
                        throw r.Malformed($"failed mention index {failed[i].Index} is outside the batch of {observations.Length}");
                    }
                }
                return new MentionsApplied(observations, failed) { Sequence = sequence };
            }),
        ClusterMessageEntry.Create<CustomerFailed>(
            "cfq",
            (w, m) =>
            {
                w.WriteString(m.EntityId, "entityId");
                w.WriteString(m.ExceptionType, "exceptionType");
                w.WriteString(m.Detail, "detail");
                w.WriteInt64(m.Sequence);
            },
            r => new CustomerFailed(r.ReadString("entityId"), r.ReadString("exceptionType"), r.ReadString("detail")) { Sequence = r.ReadInt64() }),
        ClusterMessageEntry.Create<StopCustomer>(
            "sc",
            (_, _) => { },
            _ => StopCustomer.Instance),

        // Customer profiles (Customers/ProfileProtocol.cs)
        ClusterMessageEntry.Create<ApplyProfile>(
            "apq",
            (w, m) =>
            {
                w.WriteString(m.EntityId, "entityId");
                w.WriteNullableProfile(m.Profile);
                w.WritePosition(m.Position);
                w.WriteInt64(m.Sequence);
            },
            r => new ApplyProfile(r.ReadString("entityId"), r.ReadNullableProfile(), r.ReadPosition()) { Sequence = r.ReadInt64() }),
        ClusterMessageEntry.Create<ProfileApplied>(
            "paq",
            (w, m) =>
            {
                w.WritePosition(m.Position);
                w.WriteInt64(m.Sequence);
            },
            r => new ProfileApplied(r.ReadPosition()) { Sequence = r.ReadInt64() }),

        // Brand monitors (Brands/BrandProtocol.cs)
        // Retired manifest: "bc" (reports without a sequence number, told once and never sent again).
        ClusterMessageEntry.Create<ObserveBrandCounts>(
            "bcs",
            (w, m) =>
            {
                w.WriteString(m.EntityId, "entityId");
                w.WriteInt64(m.Watermark);
                w.WriteString(m.Node, "node");
                w.WriteInt64(m.Sequence);
                w.WriteInt32(m.Minutes.Count);
                foreach (var minute in m.Minutes)
                {
                    w.WriteBrandCounts(minute);
                }
            },
            r =>
            {
                var entityId = r.ReadString("entityId");
                var watermark = r.ReadInt64();
                var node = r.ReadString("node");
                var sequence = r.ReadInt64();
                var count = r.ReadInt32();
                if (count is < 0 or > 100_000)
                {
                    throw r.Malformed($"implausible minute count {count}");
                }
                var minutes = new BrandMinuteCounts[count];
                for (var i = 0; i < count; i++)
                {
                    minutes[i] = r.ReadBrandCounts();
                }
                return new ObserveBrandCounts(entityId, minutes, watermark, node, sequence);
            }),
        ClusterMessageEntry.Create<BrandCountsObserved>(
            "bo",
            (w, m) => w.WriteString(m.Brand, "brand"),
            r => new BrandCountsObserved(r.ReadString("brand"))),
    ];

    private static readonly FrozenDictionary<Type, ClusterMessageEntry> ByType = BuildIndex(e => e.Type, "type");
    private static readonly FrozenDictionary<string, ClusterMessageEntry> ByManifest = BuildIndex(e => e.Manifest, "manifest");

    public static IReadOnlyList<ClusterMessageEntry> Entries => AllEntries;

    public static IEnumerable<Type> MessageTypes => AllEntries.Select(e => e.Type);

    public static bool TryGet(Type type, out ClusterMessageEntry entry) => ByType.TryGetValue(type, out entry!);

    public static ClusterMessageEntry ForType(Type type) =>
        ByType.TryGetValue(type, out var entry)
            ? entry
            : throw new SerializationException(
                $"{type.FullName} has no entry in {nameof(ClusterMessageTable)}: it cannot be sent to another node. " +
                "Add a manifest, writer and reader for it there.");

    public static ClusterMessageEntry ForManifest(string manifest) =>
        ByManifest.TryGetValue(manifest, out var entry)
            ? entry
            : throw new SerializationException(
                $"unknown cluster message manifest '{manifest}': a node running newer code sent a message this node does not know, " +
                "or the payload is not one of ours");

    public static byte[] Serialize(object message)
    {
        var entry = ForType(message.GetType());
        // One buffer per thread, taken while in use, so a writer that serializes a nested message gets its own.
        var writer = t_writer ?? new ClusterWireWriter();
        t_writer = null;
        writer.Reset();
        try
        {
            writer.WriteByte(FormatVersion);
            entry.Write(writer, message);
            return writer.ToArray();
        }
        finally
        {
            writer.TrimIfLarge(64 * 1024);
            t_writer = writer;
        }
    }

    public static object Deserialize(byte[] bytes, string manifest)
    {
        var entry = ForManifest(manifest);
        var reader = new ClusterWireReader(bytes, manifest);
        var version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw reader.Malformed($"format version {version} is not supported (this node reads {FormatVersion})");
        }
        var message = entry.Read(reader);
        reader.EnsureEnd();
        return message;
    }

    [ThreadStatic]
    private static ClusterWireWriter? t_writer;

    private static FrozenDictionary<TKey, ClusterMessageEntry> BuildIndex<TKey>(Func<ClusterMessageEntry, TKey> key, string what)
        where TKey : notnull
    {
        var duplicate = AllEntries.GroupBy(key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"{nameof(ClusterMessageTable)} lists {what} '{duplicate.Key}' more than once");
        }
        return AllEntries.ToFrozenDictionary(key);
    }
}
