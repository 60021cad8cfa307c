using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>Reads JSON Lines as raw UTF-8 (invalid bytes stay visible to the parser), from a file or standard input.</summary>
public static class JsonLines
{
    public static Stream Open(FileInfo? file) => file is null ? Console.OpenStandardInput() : file.OpenRead();

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Each non-empty line with its 1-based line number; a leading UTF-8 byte order mark is skipped. Cancellation ends a
    /// wait for input too: standard input's stream ignores its token, so the wait is abandoned rather than cancelled.
    /// </summary>
    public static async IAsyncEnumerable<(long Line, byte[] Utf8)> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = PipeReader.Create(stream);
        long line = 0;
        var atStart = true;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (atStart && (buffer.Length >= 3 || result.IsCompleted))
            {
                atStart = false;
                if (buffer.Length >= 3 && buffer.Slice(0, 3).ToArray().AsSpan().SequenceEqual(ByteOrderMark))
                {
                    buffer = buffer.Slice(3);
                }
            }
            while (TryReadLine(ref buffer, out var bytes))
            {
                line++;
                if (!IsBlank(bytes))
                {
                    yield return (line, bytes.ToArray());
                }
            }
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    line++;
                    if (!IsBlank(buffer))
                    {
                        yield return (line, buffer.ToArray());
                    }
                }
                break;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
        await reader.CompleteAsync().ConfigureAwait(false);
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, newline.Value);
        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return true;
    }

    private static bool IsBlank(ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                {
                    return false;
                }
            }
        }
        return true;
    }
}
