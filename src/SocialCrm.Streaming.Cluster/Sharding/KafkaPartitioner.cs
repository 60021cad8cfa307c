using System.Text;

namespace SocialCrm.Streaming.Cluster.Sharding;

/// <summary>
/// The Java Kafka client's default partitioner (murmur2 of the key bytes, made positive, modulo the
/// partition count) — what librdkafka calls <c>murmur2_random</c> for non-null keys. Shard ids use it
/// so that a customer's shard is the partition its mentions arrive on.
/// </summary>
public static class KafkaPartitioner
{
    public static int PartitionFor(string key, int partitionCount)
    {
        var length = Encoding.UTF8.GetByteCount(key);
        var buffer = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(key, buffer);
        return PartitionFor(buffer, partitionCount);
    }

    public static int PartitionFor(ReadOnlySpan<byte> key, int partitionCount) =>
        (int)((Murmur2(key) & 0x7fffffff) % (uint)partitionCount);

    /// <summary>Murmur2, 32 bit, seed 0x9747b28c, as Kafka defines it (little-endian blocks).</summary>
    public static uint Murmur2(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = 0x9747b28cu ^ (uint)length;
        var blocks = length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        var tail = length & ~3;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h *= m;
                break;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return h;
    }
}
