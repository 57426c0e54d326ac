using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpsConsole.Domain;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// The deployment log as bytes: opened without locking out its writer, read at an offset, known by a hash of its first bytes,
/// and cut into complete lines a chunk at a time.
/// </summary>
internal static class DeploymentLogFile
{
    /// <summary>Lines are read and committed in chunks of at most this many bytes.</summary>
    public const int ChunkBytes = 1024 * 1024;

    /// <summary>Whether the file still starts with the bytes the cursor was read from; a cursor without a head knows no other file.</summary>
    public static bool SameFile(DeploymentLogCursor cursor, byte[] head) =>
        cursor.HeadLength == 0 || (head.Length >= cursor.HeadLength && Hash(head.AsSpan(0, cursor.HeadLength)) == cursor.HeadHash);

    public static FileStream Open(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);

    public static byte[] ReadAt(FileStream stream, long offset, int count)
    {
        var buffer = new byte[count];
        stream.Position = offset;
        var read = 0;
        while (read < count)
        {
            var n = stream.Read(buffer, read, count - read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read == count ? buffer : buffer[..read];
    }

    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// The complete lines from <paramref name="offset"/>, at most <see cref="ChunkBytes"/>. A last line without its newline
    /// is taken only when it is a whole JSON object (or on a rotated file, which nobody writes to any more); a line longer
    /// than a chunk is skipped and counted in <see cref="LogChunk.TooLong"/>.
    /// </summary>
    public static LogChunk ReadChunk(FileStream stream, long offset, long length, ref bool midLine, long lineNumber, bool finalRead = false)
    {
        var size = (int)Math.Min(ChunkBytes, length - offset);
        var bytes = ReadAt(stream, offset, size);
        var lastNewline = Array.LastIndexOf(bytes, (byte)'\n');
        var lines = new List<(long, string)>();
        int consumed;
        const int tooLong = 0;
        if (lastNewline < 0)
        {
            if (bytes.Length == ChunkBytes)
            {
                // One line longer than a chunk: skip to its end, if it has one yet.
                var end = offset + bytes.Length;
                while (end < length)
                {
                    var more = ReadAt(stream, end, (int)Math.Min(ChunkBytes, length - end));
                    var newline = Array.IndexOf(more, (byte)'\n');
                    if (newline >= 0)
                    {
                        end += newline + 1;
                        var wasMidLine = midLine;
                        midLine = false;
                        return new LogChunk(lines, end - offset, wasMidLine ? lineNumber : lineNumber + 1, wasMidLine ? 0 : 1);
                    }

                    end += more.Length;
                }

                return new LogChunk(lines, 0, lineNumber, 0);
            }

            var tail = Encoding.UTF8.GetString(bytes);
            if (!finalRead && !IsWholeJsonObject(tail))
            {
                return new LogChunk(lines, 0, lineNumber, 0);
            }

            if (!midLine)
            {
                lines.Add((lineNumber + 1, tail));
                lineNumber++;
            }

            midLine = true;
            return new LogChunk(lines, bytes.Length, lineNumber, tooLong);
        }

        consumed = lastNewline + 1;
        var start = 0;
        while (start < consumed)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', start, consumed - start);
            if (midLine)
            {
                // The rest of a line already read without its newline.
                midLine = false;
            }
            else
            {
                lineNumber++;
                lines.Add((lineNumber, Encoding.UTF8.GetString(bytes, start, newline - start)));
            }

            start = newline + 1;
        }

        return new LogChunk(lines, consumed, lineNumber, tooLong);
    }

    private static bool IsWholeJsonObject(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length < 2 || trimmed[0] != '{' || trimmed[^1] != '}')
        {
            return false;
        }

        try
        {
            using var _ = JsonDocument.Parse(trimmed);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>Complete lines read from one chunk of the log, with their numbers; <see cref="Consumed"/> bytes were used.</summary>
internal sealed record LogChunk(List<(long Number, string Text)> Lines, long Consumed, long LastLineNumber, int TooLong);
