using System.Runtime.InteropServices;
using System.Text;

namespace SocialCrm.Streaming.Kafka.Embedded;

/// <summary>
/// Function pointers into the librdkafka that Confluent.Kafka itself loaded (same library, same
/// process-wide state). Signatures follow rdkafka.h / rdkafka_mock.h of librdkafka 2.16
/// (the version Confluent.Kafka 2.16.0 ships); <c>rd_kafka_resp_err_t</c> and <c>rd_kafka_type_t</c>
/// are C enums (32-bit int), <c>int16_t ApiKey</c> is a short, <c>size_t</c> is nuint.
/// </summary>
internal sealed unsafe class LibrdkafkaNative
{
    public const int RdKafkaProducer = 0; // RD_KAFKA_PRODUCER
    public const int ConfOk = 0;          // RD_KAFKA_CONF_OK

    private static readonly Lazy<LibrdkafkaNative> Shared = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static LibrdkafkaNative Instance => Shared.Value;

    public string LibraryPath { get; }

    // rdkafka.h
    public readonly delegate* unmanaged[Cdecl]<nint> ConfNew;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int> ConfSet;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ConfDestroy;
    public readonly delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint> New;
    public readonly delegate* unmanaged[Cdecl]<nint, void> Destroy;

    // rdkafka_mock.h
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> MockClusterNew;
    public readonly delegate* unmanaged[Cdecl]<nint, void> MockClusterDestroy;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*> MockClusterBootstraps;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, int, int, int> MockTopicCreate;
    public readonly delegate* unmanaged[Cdecl]<nint, int, int> MockBrokerSetDown;
    public readonly delegate* unmanaged[Cdecl]<nint, int, int> MockBrokerSetUp;
    public readonly delegate* unmanaged[Cdecl]<nint, int, int, int> MockBrokerSetRtt;
    public readonly delegate* unmanaged[Cdecl]<nint, short, nuint, int*, void> MockPushRequestErrorsArray; // may be null
    public readonly delegate* unmanaged[Cdecl]<nint, short, void> MockClearRequestErrors;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, int, int, int> MockPartitionSetLeader;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, int, long, int> MockPartitionDeleteRecords;
    public readonly delegate* unmanaged[Cdecl]<nint, int, void> MockGroupInitialRebalanceDelayMs;

    private LibrdkafkaNative(string path, nint lib)
    {
        LibraryPath = path;
        ConfNew = (delegate* unmanaged[Cdecl]<nint>)Export(lib, "rd_kafka_conf_new");
        ConfSet = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int>)Export(lib, "rd_kafka_conf_set");
        ConfDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(lib, "rd_kafka_conf_destroy");
        New = (delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint>)Export(lib, "rd_kafka_new");
        Destroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(lib, "rd_kafka_destroy");
        MockClusterNew = (delegate* unmanaged[Cdecl]<nint, int, nint>)Export(lib, "rd_kafka_mock_cluster_new");
        MockClusterDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(lib, "rd_kafka_mock_cluster_destroy");
        MockClusterBootstraps = (delegate* unmanaged[Cdecl]<nint, byte*>)Export(lib, "rd_kafka_mock_cluster_bootstraps");
        MockTopicCreate = (delegate* unmanaged[Cdecl]<nint, byte*, int, int, int>)Export(lib, "rd_kafka_mock_topic_create");
        MockBrokerSetDown = (delegate* unmanaged[Cdecl]<nint, int, int>)Export(lib, "rd_kafka_mock_broker_set_down");
        MockBrokerSetUp = (delegate* unmanaged[Cdecl]<nint, int, int>)Export(lib, "rd_kafka_mock_broker_set_up");
        MockBrokerSetRtt = (delegate* unmanaged[Cdecl]<nint, int, int, int>)Export(lib, "rd_kafka_mock_broker_set_rtt");
        MockClearRequestErrors = (delegate* unmanaged[Cdecl]<nint, short, void>)Export(lib, "rd_kafka_mock_clear_request_errors");
        MockPartitionSetLeader = (delegate* unmanaged[Cdecl]<nint, byte*, int, int, int>)Export(lib, "rd_kafka_mock_partition_set_leader");
        MockPartitionDeleteRecords = (delegate* unmanaged[Cdecl]<nint, byte*, int, long, int>)Export(lib, "rd_kafka_mock_partition_delete_records");
        MockGroupInitialRebalanceDelayMs = (delegate* unmanaged[Cdecl]<nint, int, void>)Export(lib, "rd_kafka_mock_group_initial_rebalance_delay_ms");
        // The _array variant exists since librdkafka 2.3; older versions only have the variadic one,
        // which cannot be called portably from .NET (varargs ABI): we then push one error per call.
        MockPushRequestErrorsArray = NativeLibrary.TryGetExport(lib, "rd_kafka_mock_push_request_errors_array", out var arr)
            ? (delegate* unmanaged[Cdecl]<nint, short, nuint, int*, void>)arr
            : null;
        MockPushRequestErrorsVariadicOne = NativeLibrary.TryGetExport(lib, "rd_kafka_mock_push_request_errors", out var one) ? one : 0;
    }

    /// <summary>Address of the variadic <c>rd_kafka_mock_push_request_errors</c> (fallback only).</summary>
    public nint MockPushRequestErrorsVariadicOne { get; }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var address)
            ? address
            : throw new EntryPointNotFoundException(
                $"librdkafka export '{name}' not found: this librdkafka was built without the mock cluster.");

    private static LibrdkafkaNative Load()
    {
        // Make Confluent.Kafka load its native library first (its own probing picks the right
        // flavour, e.g. centos8-librdkafka.so on Debian), then bind to exactly that file.
        _ = Confluent.Kafka.Library.Version;
        var errors = new List<string>();
        foreach (var candidate in Candidates())
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                if (NativeLibrary.TryGetExport(handle, "rd_kafka_mock_cluster_new", out _))
                {
                    return new LibrdkafkaNative(candidate, handle);
                }

                NativeLibrary.Free(handle);
                errors.Add($"{candidate}: no rd_kafka_mock_cluster_new export");
            }
            else
            {
                errors.Add($"{candidate}: could not be loaded");
            }
        }

        throw new DllNotFoundException(
            "Could not find the librdkafka loaded by Confluent.Kafka. Tried: " + string.Join("; ", errors));
    }

    /// <summary>
    /// Candidate paths, best first: the librdkafka already mapped into this process
    /// (/proc/self/maps on Linux), then the runtimes/&lt;rid&gt;/native folders next to the
    /// application and next to Confluent.Kafka.dll, then the bare name.
    /// </summary>
    internal static IEnumerable<string> Candidates()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mapped in MappedLibrdkafka())
        {
            if (seen.Add(mapped))
            {
                yield return mapped;
            }
        }

        var dirs = new List<string> { AppContext.BaseDirectory };
        var confluentDir = Path.GetDirectoryName(typeof(Confluent.Kafka.Library).Assembly.Location);
        if (!string.IsNullOrEmpty(confluentDir))
        {
            dirs.Add(confluentDir);
        }

        var rid = RuntimeInformation.RuntimeIdentifier;
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string[] names = OperatingSystem.IsWindows() ? ["librdkafka.dll"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"]
            : ["centos8-librdkafka.so", "librdkafka.so", "alpine-librdkafka.so", "centos7-librdkafka.so"];
        string[] ridDirs = OperatingSystem.IsWindows() ? [rid, $"win-{arch}"]
            : OperatingSystem.IsMacOS() ? [rid, $"osx-{arch}"]
            : [rid, $"linux-{arch}"];
        foreach (var dir in dirs)
        {
            foreach (var ridDir in ridDirs.Distinct())
            {
                foreach (var name in names)
                {
                    var path = Path.Combine(dir, "runtimes", ridDir, "native", name);
                    if (File.Exists(path) && seen.Add(path))
                    {
                        yield return path;
                    }
                }
            }

            foreach (var name in names)
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path) && seen.Add(path))
                {
                    yield return path;
                }
            }
        }

        yield return OperatingSystem.IsWindows() ? "librdkafka.dll" : OperatingSystem.IsMacOS() ? "librdkafka.dylib" : "librdkafka.so.1";
    }

    private static IEnumerable<string> MappedLibrdkafka()
    {
        const string maps = "/proc/self/maps";
        if (!OperatingSystem.IsLinux() || !File.Exists(maps))
        {
            return [];
        }

        var found = new List<string>();
        foreach (var line in File.ReadLines(maps))
        {
            // address perms offset dev inode   pathname
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].Trim();
            var file = Path.GetFileName(path);
            if (file.Contains("rdkafka", StringComparison.Ordinal) && file.Contains(".so", StringComparison.Ordinal)
                && !found.Contains(path) && File.Exists(path))
            {
                found.Add(path);
            }
        }

        return found;
    }

    /// <summary>NUL-terminated UTF-8 bytes of <paramref name="value"/>, for <c>fixed</c>.</summary>
    public static byte[] Utf8(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, 0, value.Length, bytes, 0);
        return bytes;
    }

    public static string? FromUtf8(byte* value) =>
        value == null ? null : Marshal.PtrToStringUTF8((nint)value);
}
