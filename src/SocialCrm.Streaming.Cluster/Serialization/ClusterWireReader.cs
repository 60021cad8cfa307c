using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;

namespace SocialCrm.Streaming.Cluster.Serialization;

/// <summary>
/// Reads what <see cref="ClusterWireWriter"/> wrote. Every malformation (truncation, an over-long varint, a length
/// beyond the payload, invalid UTF-8, an unknown code, trailing bytes) is a <see cref="SerializationException"/>;
/// nothing is allocated beyond what the payload itself holds.
/// </summary>
public sealed class ClusterWireReader
{
    private readonly byte[] _bytes;
    private readonly string _manifest;
    private int _position;

    internal ClusterWireReader(byte[] bytes, string manifest)
    {
        _bytes = bytes;
        _manifest = manifest;
    }

    private int Remaining => _bytes.Length - _position;

    public byte ReadByte()
    {
        if (Remaining < 1)
        {
            throw Malformed("truncated payload");
        }
        return _bytes[_position++];
    }

    public bool ReadBool() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var other => throw Malformed($"invalid boolean byte {other}"),
    };

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            if (shift == 63 && b > 1)
            {
                throw Malformed("varint overflows 64 bits");
            }
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw Malformed("varint longer than 10 bytes");
    }

    public long ReadInt64()
    {
        var raw = ReadVarUInt64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public int ReadInt32()
    {
        var value = ReadInt64();
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw Malformed($"value {value} does not fit a 32-bit integer");
        }
        return (int)value;
    }

    public long ReadFixedInt64()
    {
        if (Remaining < 8)
        {
            throw Malformed("truncated payload");
        }
        var value = BinaryPrimitives.ReadInt64LittleEndian(_bytes.AsSpan(_position, 8));
        _position += 8;
        return value;
    }

    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadFixedInt64());

    public double? ReadNullableDouble() => ReadBool() ? ReadDouble() : null;

    /// <summary>The element count of a list, refused when negative or above what any sender writes.</summary>
    public int ReadCount(string field, int max)
    {
        var count = ReadInt32();
        if (count < 0 || count > max)
        {
            throw Malformed($"implausible count {count} of '{field}' (at most {max})");
        }
        return count;
    }

    public string ReadString(string field) =>
        ReadNullableString(field) ?? throw Malformed($"required field '{field}' is null");

    public string? ReadNullableString(string field)
    {
        var prefix = ReadVarUInt64();
        if (prefix == 0)
        {
            return null;
        }
        var length = prefix - 1;
        if (length > (ulong)Remaining)
        {
            throw Malformed($"field '{field}' claims {length} bytes, {Remaining} remain");
        }
        try
        {
            var value = ClusterWireWriter.StrictUtf8.GetString(_bytes, _position, (int)length);
            _position += (int)length;
            return value;
        }
        catch (DecoderFallbackException ex)
        {
            throw new SerializationException($"{Describe()}: field '{field}' is not valid UTF-8", ex);
        }
    }

    public DateTimeOffset ReadTimestamp(string field)
    {
        var utcTicks = ReadFixedInt64();
        var offsetMinutes = ReadInt32();
        // DateTimeOffset allows offsets of at most 14 hours, and both the instant and its local clock time in range.
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks || Math.Abs(offsetMinutes) > 14 * 60)
        {
            throw Malformed($"field '{field}' is not a valid timestamp ({utcTicks} ticks, offset {offsetMinutes} min)");
        }
        try
        {
            return new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new SerializationException($"{Describe()}: field '{field}' is out of range", ex);
        }
    }

    /// <summary>Every byte must be consumed: trailing bytes mean the sender wrote something this node does not understand.</summary>
    internal void EnsureEnd()
    {
        if (Remaining != 0)
        {
            throw Malformed($"{Remaining} trailing bytes");
        }
    }

    public SerializationException Malformed(string problem) => new($"{Describe()}: {problem}");

    private string Describe() => $"malformed cluster message (manifest '{_manifest}', {_bytes.Length} bytes, at byte {_position})";
}
