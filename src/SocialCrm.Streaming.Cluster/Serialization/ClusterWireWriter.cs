using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;

namespace SocialCrm.Streaming.Cluster.Serialization;

/// <summary>
/// Writes the primitives of the cluster wire format (see <see cref="ClusterMessageTable"/>):
/// <list type="bullet">
/// <item>integers as LEB128 varints, signed ones zigzag-encoded (small magnitudes take one byte);</item>
/// <item>doubles as their exact IEEE 754 bits, 8 bytes little-endian (NaN payloads and -0.0 survive);</item>
/// <item>strings as varint(UTF-8 byte count + 1) then the bytes; 0 means null;</item>
/// <item>timestamps as UTC ticks (8 bytes little-endian) then the offset in minutes (zigzag varint).</item>
/// </list>
/// Not thread-safe; the serializer keeps one per thread.
/// </summary>
public sealed class ClusterWireWriter
{
    /// <summary>Refuses strings that are not valid UTF-16 (a lone surrogate) instead of silently replacing characters.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _buffer;
    private int _length;

    internal ClusterWireWriter(int initialCapacity = 256) => _buffer = new byte[initialCapacity];

    internal int Length => _length;

    internal void Reset() => _length = 0;

    internal byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>A buffer that grew for one huge message is not kept for the life of the thread.</summary>
    internal void TrimIfLarge(int keepCapacity)
    {
        if (_buffer.Length > keepCapacity)
        {
            _buffer = new byte[keepCapacity];
        }
        _length = 0;
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteVarUInt64(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_length++] = (byte)value;
    }

    public void WriteInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    public void WriteInt32(int value) => WriteInt64(value);

    public void WriteFixedInt64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteDouble(double value) => WriteFixedInt64(BitConverter.DoubleToInt64Bits(value));

    public void WriteNullableDouble(double? value)
    {
        WriteBool(value.HasValue);
        if (value is { } present)
        {
            WriteDouble(present);
        }
    }

    /// <summary>A required string; null is refused (a required member left null by nullable-oblivious code).</summary>
    public void WriteString(string value, string field)
    {
        if (value is null)
        {
            throw new SerializationException($"cannot serialize: required field '{field}' is null");
        }
        WriteNullableString(value, field);
    }

    public void WriteNullableString(string? value, string field)
    {
        if (value is null)
        {
            WriteVarUInt64(0);
            return;
        }
        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException ex)
        {
            throw new SerializationException($"cannot serialize: field '{field}' is not valid UTF-16 text (lone surrogate)", ex);
        }
        WriteVarUInt64((ulong)byteCount + 1);
        Ensure(byteCount);
        _length += StrictUtf8.GetBytes(value, _buffer.AsSpan(_length, byteCount));
    }

    /// <summary>The instant (UTC ticks) and the offset it was expressed in, so both survive exactly.</summary>
    public void WriteTimestamp(DateTimeOffset value)
    {
        WriteFixedInt64(value.UtcTicks);
        WriteInt32((int)(value.Offset.Ticks / TimeSpan.TicksPerMinute));
    }

    private void Ensure(int additional)
    {
        if (_buffer.Length - _length >= additional)
        {
            return;
        }
        var required = (long)_length + additional;
        if (required > Array.MaxLength)
        {
            throw new SerializationException($"cannot serialize: message exceeds {Array.MaxLength} bytes");
        }
        var size = (int)Math.Min(Math.Max(required, (long)_buffer.Length * 2), Array.MaxLength);
        Array.Resize(ref _buffer, size);
    }
}
