using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SocialCrm.Streaming.Domain.Alerts;

/// <summary>
/// A UTF-8 JSON writer and its buffer, one per thread and reset for each document, for JSON made per mention:
/// a new writer and a growing buffer cost several kilobytes each time (the writer asks for room for the worst-case
/// escaping of each value). Not reentrant: one document at a time per thread.
/// </summary>
internal sealed class ReusableJsonWriter
{
    /// <summary>A buffer grown past this (by an unusually long value) is not kept for the next document.</summary>
    private const int MaxKeptBytes = 64 * 1024;

    [ThreadStatic]
    private static ReusableJsonWriter? t_current;

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;

    private ReusableJsonWriter() => _writer = new Utf8JsonWriter(_buffer, AlertJson.WriterOptions);

    /// <summary>The thread's writer, empty; finish the document with <see cref="ToUtf16String"/> or <see cref="ToUtf8Array"/>.</summary>
    public static Utf8JsonWriter Start()
    {
        var current = t_current ??= new ReusableJsonWriter();
        current._buffer.ResetWrittenCount();
        current._writer.Reset(current._buffer);
        return current._writer;
    }

    /// <summary>The document written since <see cref="Start"/>, as a string.</summary>
    public static string ToUtf16String() => Finish(static written => Encoding.UTF8.GetString(written));

    /// <summary>The document written since <see cref="Start"/>, as UTF-8 bytes.</summary>
    public static byte[] ToUtf8Array() => Finish(static written => written.ToArray());

    private static T Finish<T>(Func<ReadOnlySpan<byte>, T> copy)
    {
        var current = t_current!;
        current._writer.Flush();
        var document = copy(current._buffer.WrittenSpan);
        if (current._buffer.Capacity > MaxKeptBytes)
        {
            t_current = null;
        }
        return document;
    }
}
