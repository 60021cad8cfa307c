using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace SocialCrm.Streaming.Kafka.Embedded;

/// <summary>
/// An in-process Kafka-protocol cluster: librdkafka's mock cluster (the one shipped inside the
/// native library Confluent.Kafka loads), created standalone through its exported C functions
/// and owned by a private idle producer handle. Any Kafka client in or out of this process can
/// connect to <see cref="BootstrapServers"/> (127.0.0.1 listeners, one per broker).
/// </summary>
/// <remarks>
/// <para>Broker ids are 1..<c>brokers</c>. The initial group rebalance delay is set to 0.</para>
/// <para>Limits of the mock (librdkafka's mock cluster): no admin CreateTopics/DescribeConfigs (use
/// <see cref="CreateTopic"/>), no compaction, no timestamp ListOffsets, incomplete transactions;
/// ListConsumerGroups crashes the client: never call it. Commit explicit
/// <c>TopicPartitionOffset(tp, offset + 1)</c>: a committed leader epoch is rejected after a leader
/// move. A second consumer joining a group waits session.timeout.ms - 1 s. A partition keeps at
/// most 5 MiB of record batches: appending a larger batch evicts everything before it and moves
/// the log start past the new batch too, so a record batch over 5 MiB is acknowledged and then gone
/// (compressed, a large but repetitive record stays well below that).</para>
/// <para>Thread safety: every member may be called from any thread. librdkafka's mock functions
/// are themselves thread-safe (they hand an op to the cluster's own thread and wait for it or take
/// the cluster lock); this class additionally serialises calls with a lock so that
/// <see cref="Dispose"/> never races a call in flight. Calls after Dispose throw
/// <see cref="ObjectDisposedException"/>. Dispose clients connected to the cluster first if you
/// want them to shut down quietly; they otherwise just see the brokers disappear.</para>
/// </remarks>
public sealed unsafe class MockKafkaCluster : IDisposable
{
    private readonly LibrdkafkaNative _native;
    private readonly Lock _gate = new();
    private nint _owner;   // rd_kafka_t* (idle producer that owns the mock cluster)
    private nint _cluster; // rd_kafka_mock_cluster_t*

    private MockKafkaCluster(LibrdkafkaNative native, nint owner, nint cluster, string bootstrapServers, int brokers)
    {
        _native = native;
        _owner = owner;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
        BrokerCount = brokers;
    }

    /// <summary>bootstrap.servers for clients, e.g. "127.0.0.1:40001,127.0.0.1:40002,...".</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; their ids are 1..BrokerCount.</summary>
    public int BrokerCount { get; }

    /// <summary>Path of the librdkafka the cluster runs in (the one Confluent.Kafka loaded).</summary>
    public static string NativeLibraryPath => LibrdkafkaNative.Instance.LibraryPath;

    /// <summary>Starts a mock cluster with <paramref name="brokers"/> brokers (ids 1..brokers).</summary>
    public static MockKafkaCluster Start(int brokers = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        var native = LibrdkafkaNative.Instance;

        var conf = native.ConfNew();
        if (conf == 0)
        {
            throw new InvalidOperationException("rd_kafka_conf_new returned NULL");
        }

        nint owner;
        var errstr = stackalloc byte[512];
        try
        {
            // The owner handle never connects anywhere; keep it quiet (only errors and worse).
            SetConf(native, conf, "log_level", "3", errstr);
            SetConf(native, conf, "client.id", "socialcrm-mock-cluster-owner");
            owner = native.New(LibrdkafkaNative.RdKafkaProducer, conf, errstr, 512);
        }
        catch
        {
            native.ConfDestroy(conf);
            throw;
        }

        if (owner == 0)
        {
            native.ConfDestroy(conf); // rd_kafka_new only takes ownership of conf on success
            throw new InvalidOperationException("rd_kafka_new failed: " + LibrdkafkaNative.FromUtf8(errstr));
        }

        var cluster = native.MockClusterNew(owner, brokers);
        if (cluster == 0)
        {
            native.Destroy(owner);
            throw new InvalidOperationException($"rd_kafka_mock_cluster_new({brokers}) failed");
        }

        native.MockGroupInitialRebalanceDelayMs(cluster, 0);
        var bootstraps = LibrdkafkaNative.FromUtf8(native.MockClusterBootstraps(cluster));
        if (string.IsNullOrEmpty(bootstraps))
        {
            native.MockClusterDestroy(cluster);
            native.Destroy(owner);
            throw new InvalidOperationException("rd_kafka_mock_cluster_bootstraps returned nothing");
        }

        return new MockKafkaCluster(native, owner, cluster, bootstraps, brokers);
    }

    /// <summary>Creates <paramref name="topic"/> (the mock has no admin CreateTopics).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);
        OnTopic(topic, (cluster, n) => _native.MockTopicCreate(cluster, n, partitions, replicationFactor), $"create topic '{topic}'");
    }

    /// <summary>Disconnects broker <paramref name="brokerId"/> (-1: all) and refuses new connections.
    /// Does not move partition leadership.</summary>
    public void SetBrokerDown(int brokerId)
    {
        lock (_gate)
        {
            Check(_native.MockBrokerSetDown(Cluster(), brokerId), $"set broker {brokerId} down");
        }
    }

    /// <summary>Lets broker <paramref name="brokerId"/> (-1: all) accept connections again.</summary>
    public void SetBrokerUp(int brokerId)
    {
        lock (_gate)
        {
            Check(_native.MockBrokerSetUp(Cluster(), brokerId), $"set broker {brokerId} up");
        }
    }

    /// <summary>Delays every response of broker <paramref name="brokerId"/> (-1: all) by
    /// <paramref name="rtt"/> (millisecond resolution; <see cref="TimeSpan.Zero"/> to reset).</summary>
    public void SetBrokerRtt(int brokerId, TimeSpan rtt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero);
        var ms = checked((int)Math.Ceiling(rtt.TotalMilliseconds));
        lock (_gate)
        {
            Check(_native.MockBrokerSetRtt(Cluster(), brokerId, ms), $"set broker {brokerId} rtt");
        }
    }

    /// <summary>
    /// The next <c>errors.Length</c> requests of type <paramref name="apiKey"/> (see
    /// <see cref="KafkaApiKeys"/>) to any broker fail with these codes, in order.
    /// <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead.
    /// </summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
        {
            return;
        }

        var codes = new int[errors.Length];
        for (var i = 0; i < errors.Length; i++)
        {
            codes[i] = (int)errors[i];
        }

        lock (_gate)
        {
            var cluster = Cluster();
            if (_native.MockPushRequestErrorsArray != null)
            {
                fixed (int* p = codes)
                {
                    _native.MockPushRequestErrorsArray(cluster, apiKey, (nuint)codes.Length, p);
                }

                return;
            }

            PushOneByOneVariadic(cluster, apiKey, codes);
        }
    }

    /// <summary>Forgets errors pushed for <paramref name="apiKey"/> that have not fired yet.</summary>
    public void ClearRequestErrors(short apiKey)
    {
        lock (_gate)
        {
            _native.MockClearRequestErrors(Cluster(), apiKey);
        }
    }

    /// <summary>Makes broker <paramref name="brokerId"/> the leader of the partition (-1: leaderless).
    /// Clients find out through their next metadata refresh (NOT_LEADER responses trigger one).</summary>
    public void MovePartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        OnTopic(topic, (cluster, n) => _native.MockPartitionSetLeader(cluster, n, partition, brokerId),
            $"move leader of {topic}[{partition}] to broker {brokerId}");
    }

    /// <summary>Deletes the records of the partition below <paramref name="offset"/> (at most its end
    /// offset), as retention would: the log start moves up to it.</summary>
    public void DeleteRecordsBefore(string topic, int partition, long offset)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        OnTopic(topic, (cluster, n) => _native.MockPartitionDeleteRecords(cluster, n, partition, offset),
            $"delete records of {topic}[{partition}] below offset {offset}");
    }

    /// <summary>Destroys the mock cluster (rd_kafka_mock_cluster_destroy), then its owner handle
    /// (rd_kafka_destroy). Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != 0)
            {
                _native.MockClusterDestroy(_cluster);
                _cluster = 0;
            }

            if (_owner != 0)
            {
                _native.Destroy(_owner);
                _owner = 0;
            }
        }
    }

    public override string ToString() => $"MockKafkaCluster({BrokerCount} brokers, {BootstrapServers})";

    private nint Cluster()
    {
        ObjectDisposedException.ThrowIf(_cluster == 0, this);
        return _cluster;
    }

    private void PushOneByOneVariadic(nint cluster, short apiKey, int[] codes)
    {
        // Only reached with a librdkafka older than 2.3 (no _array variant). A varargs call with
        // integer arguments only has the same calling convention as a normal call on x64 (SysV and
        // Windows) and on AAPCS64 Linux, but not on Apple arm64, where variadic arguments go on
        // the stack.
        var fn = _native.MockPushRequestErrorsVariadicOne;
        if (fn == 0 || (OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64))
        {
            throw new PlatformNotSupportedException(
                "rd_kafka_mock_push_request_errors_array is missing in this librdkafka and the variadic form cannot be called here.");
        }

        var push = (delegate* unmanaged[Cdecl]<nint, short, nuint, int, void>)fn;
        foreach (var code in codes)
        {
            push(cluster, apiKey, 1, code);
        }
    }

    private static void SetConf(LibrdkafkaNative native, nint conf, string name, string value, byte* errstr)
    {
        var n = LibrdkafkaNative.Utf8(name);
        var v = LibrdkafkaNative.Utf8(value);
        fixed (byte* pn = n)
        fixed (byte* pv = v)
        {
            if (native.ConfSet(conf, pn, pv, errstr, 512) != LibrdkafkaNative.ConfOk)
            {
                throw new InvalidOperationException(
                    $"rd_kafka_conf_set({name}={value}) failed: {LibrdkafkaNative.FromUtf8(errstr)}");
            }
        }
    }

    private static void SetConf(LibrdkafkaNative native, nint conf, string name, string value)
    {
        var errstr = stackalloc byte[512];
        SetConf(native, conf, name, value, errstr);
    }

    private delegate int TopicCall(nint cluster, byte* topic);

    /// <summary>Calls a mock function that takes the cluster and a topic name (NUL-terminated UTF-8), under the lock; an error code throws, naming <paramref name="what"/>.</summary>
    private void OnTopic(string topic, TopicCall call, string what)
    {
        var name = LibrdkafkaNative.Utf8(topic);
        lock (_gate)
        {
            var cluster = Cluster();
            fixed (byte* n = name)
            {
                Check(call(cluster, n), what);
            }
        }
    }

    private static void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new KafkaException(new Error((ErrorCode)err, $"mock cluster: {what} failed: {(ErrorCode)err}"));
        }
    }
}
