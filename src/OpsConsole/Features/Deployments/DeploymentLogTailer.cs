using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using Microsoft.Extensions.Options;

namespace OpsConsole.Features.Deployments;

/// <summary>What one read of the deployment log found.</summary>
public sealed record LogCheckResult(
    string Path,
    bool Exists,
    DeploymentLogFormat? Format,
    int LinesRead,
    int Malformed,
    int Failures,
    IReadOnlyList<Guid> CreatedTaskIds,
    int Deduplicated,
    int Suppressed,
    int SkippedAsOld,
    string? Note)
{
    public static LogCheckResult Missing(string path) => new(path, false, null, 0, 0, 0, [], 0, 0, 0, "the log file does not exist (yet)");
}

/// <summary>
/// Reads the deployment log from where it left off: the persisted cursor (byte offset after the last complete line, line
/// number, and a hash of the file's first bytes as its identity) advances in the same transaction as the tasks its lines
/// became, so a restart neither misses nor repeats a line. A rotated file's unread rest is read before the new file; a
/// truncated file is read again from its start; a malformed line is logged with its number and skipped.
/// </summary>
public sealed class DeploymentLogTailer(
    FailureIntake intake,
    IDbContextFactory<OpsDbContext> dbFactory,
    DeploymentSettings settings,
    TimeProvider time,
    IOptionsMonitor<OrchestrationOptions> orchestration,
    ILogger<DeploymentLogTailer> logger)
{
    /// <summary>Lines are read and committed in chunks of at most this many bytes.</summary>
    public const int ChunkBytes = 1024 * 1024;

    /// <summary>A JSON document log larger than this is not read (it cannot be tailed; split it or switch to JSON Lines).</summary>
    public const long MaxDocumentBytes = 64L * 1024 * 1024;

    private static readonly Actor Monitor = new("deployment_monitor", ActorKind.Engine);

    private readonly SemaphoreSlim gate = new(1, 1);
    private long lastBrokenDocumentLength = -1;

    public string LogPath => settings.LogPath;

    private string FileName => Path.GetFileName(settings.LogPath);

    /// <summary>Reads whatever was added since the last read; safe to call from the watcher and the job at once.</summary>
    public async Task<LogCheckResult> CheckAsync(string trigger, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var result = await CheckLockedAsync(cancellationToken);
            if (result.Failures > 0 || result.Malformed > 0)
            {
                logger.LogInformation(
                    "Deployment log {File} ({Trigger}): {Lines} lines, {Failures} failures → {Created} new tasks, {Deduplicated} repeats, {Suppressed} suppressed, {Malformed} malformed lines skipped",
                    FileName, trigger, result.LinesRead, result.Failures, result.CreatedTaskIds.Count, result.Deduplicated, result.Suppressed, result.Malformed);
            }

            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The cursor as stored (null before the first read).</summary>
    public async Task<DeploymentLogCursor?> CursorAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.DeploymentLogCursors.AsNoTracking().FirstOrDefaultAsync(c => c.Path == settings.LogPath, cancellationToken);
    }

    private async Task<LogCheckResult> CheckLockedAsync(CancellationToken cancellationToken)
    {
        var path = settings.LogPath;
        if (!File.Exists(path))
        {
            return LogCheckResult.Missing(path);
        }

        var cursor = await CursorAsync(cancellationToken);
        await using var stream = Open(path);
        var length = stream.Length;
        var head = ReadAt(stream, 0, (int)Math.Min(length, DeploymentLogCursor.HeadBytes));
        var tally = new Tally(path);
        var state = new ReadState(cursor);

        var format = DeploymentLogParser.DetectFormat(Encoding.UTF8.GetString(head));

        // A document is rewritten as a whole, so its first bytes say nothing about its identity; its entry count does.
        var stillADocument = format == DeploymentLogFormat.Document && cursor?.Format == DeploymentLogFormat.Document;
        if (!stillADocument && cursor is not null && !SameFile(cursor, head))
        {
            // Another file now has the name: the old one was rotated (its unread rest may be beside it) or rewritten.
            var rotated = await ReadRotatedRestAsync(cursor, tally, cancellationToken);
            var truncated = rotated is null && length < cursor.Offset;
            state.Restart(rotated, truncated);
            var what = rotated is not null ? $"was rotated (the rest of {rotated} was read first)" : truncated ? "was truncated and rewritten" : "was replaced";
            logger.LogInformation("Deployment log {File} {What}; reading it from its start", FileName, what);
        }
        else if (!stillADocument && cursor is not null && length < cursor.Offset)
        {
            state.Restart(null, truncated: true);
            logger.LogInformation("Deployment log {File} was truncated ({Length} bytes, was read to {Offset}); reading it from its start", FileName, length, cursor.Offset);
        }

        var documentBefore = state.Format == DeploymentLogFormat.Document;
        state.Identify(head, format);
        tally.Format = format;
        if (format == DeploymentLogFormat.Document)
        {
            await ReadDocumentAsync(stream, length, documentBefore, state, tally, cancellationToken);
        }
        else
        {
            await ReadLinesAsync(stream, length, state, tally, cancellationToken);
        }

        if (state.Pending)
        {
            // Nothing new, but the cursor learned something (a restart, a longer head): keep it.
            await CommitAsync([], state, tally, 0, 0, cancellationToken);
        }

        return tally.Result();
    }

    private async Task ReadLinesAsync(FileStream stream, long length, ReadState state, Tally tally, CancellationToken cancellationToken)
    {
        var midLine = state.Offset > 0 && ReadAt(stream, state.Offset - 1, 1) is [var previous] && previous != (byte)'\n';
        while (state.Offset < length)
        {
            var chunk = ReadChunk(stream, state.Offset, length, ref midLine, state.LineNumber);
            if (chunk.Consumed == 0)
            {
                break; // only a line still being written is left
            }

            var reports = new List<FailureReport>();
            var malformed = chunk.TooLong;
            if (chunk.TooLong > 0)
            {
                logger.LogWarning("Deployment log {File} line {Line} is longer than {Max} KiB and was skipped", FileName, chunk.LastLineNumber, ChunkBytes / 1024);
            }

            foreach (var (number, text) in chunk.Lines)
            {
                var parsed = DeploymentLogParser.ParseLine(text, settings.TimeZone);
                foreach (var warning in parsed.Warnings)
                {
                    logger.LogWarning("Deployment log {File} line {Line}: {Warning}", FileName, number, warning);
                }

                if (parsed.Error is not null)
                {
                    malformed++;
                    logger.LogWarning("Deployment log {File} line {Line} is malformed and was skipped: {Error}", FileName, number, parsed.Error);
                    continue;
                }

                if (parsed.Entry is { } entry)
                {
                    Consider(entry, $"{FileName} line {number}", state, tally, reports);
                }
            }

            tally.LinesRead += chunk.Lines.Count;
            state.Advance(state.Offset + chunk.Consumed, chunk.LastLineNumber);
            await CommitAsync(reports, state, tally, malformed, reports.Count, cancellationToken);
        }
    }

    private async Task ReadDocumentAsync(FileStream stream, long length, bool documentBefore, ReadState state, Tally tally, CancellationToken cancellationToken)
    {
        if (documentBefore && state.Offset == length && !state.Pending)
        {
            return; // unchanged since the last read
        }

        if (length > MaxDocumentBytes)
        {
            if (lastBrokenDocumentLength != length)
            {
                lastBrokenDocumentLength = length;
                logger.LogError("Deployment log {File} is a JSON document of {Length} bytes; documents over {Max} MiB are not read. Write JSON Lines instead.", FileName, length, MaxDocumentBytes / (1024 * 1024));
            }

            return;
        }

        var text = Encoding.UTF8.GetString(ReadAt(stream, 0, (int)length));
        var document = DeploymentLogParser.ParseDocument(text, settings.TimeZone);
        if (document.Error is not null)
        {
            if (lastBrokenDocumentLength != length)
            {
                lastBrokenDocumentLength = length;
                logger.LogWarning("Deployment log {File}: {Error}; it is read again when it changes", FileName, document.Error);
            }

            return;
        }

        foreach (var problem in document.Problems)
        {
            logger.LogWarning("Deployment log {File}: {Problem}", FileName, problem);
        }

        var start = state.EntriesRead;
        if (document.Entries.Count < start)
        {
            logger.LogInformation("Deployment log {File} now lists {Count} deployments, fewer than the {Read} already read; reading it from its start", FileName, document.Entries.Count, start);
            start = 0;
        }

        var reports = new List<FailureReport>();
        var malformed = 0;
        for (var i = start; i < document.Entries.Count; i++)
        {
            if (document.Entries[i] is { } entry)
            {
                Consider(entry, $"{FileName} deployments[{i}]", state, tally, reports);
            }
            else
            {
                malformed++;
            }
        }

        tally.LinesRead += document.Entries.Count - start;
        state.AdvanceDocument(document.Entries.Count, length);
        await CommitAsync(reports, state, tally, malformed, reports.Count, cancellationToken);
    }

    private void Consider(DeploymentEntry entry, string origin, ReadState state, Tally tally, List<FailureReport> reports)
    {
        var assessment = FailureDetector.Assess(entry);
        if (!assessment.IsFailure)
        {
            return;
        }

        if (state.FirstRead && settings.InitialLookback > TimeSpan.Zero && entry.Timestamp is { } at && at < time.GetUtcNow().UtcDateTime - settings.InitialLookback)
        {
            tally.SkippedAsOld++;
            return;
        }

        reports.Add(FailureReport.FromEntry(entry, FailureChannels.DeploymentLog, settings.DefaultEnvironment, assessment.Reason, origin));
    }

    private async Task CommitAsync(List<FailureReport> reports, ReadState state, Tally tally, int malformed, int failures, CancellationToken cancellationToken)
    {
        var snapshot = state.Snapshot();
        var results = await IngestAsync(reports, cancellationToken, async (db, now) =>
        {
            var cursor = await db.DeploymentLogCursors.FirstOrDefaultAsync(c => c.Path == settings.LogPath, cancellationToken);
            if (cursor is null)
            {
                cursor = new DeploymentLogCursor { Path = settings.LogPath };
                db.DeploymentLogCursors.Add(cursor);
            }

            if (snapshot.Restart is { } restart)
            {
                cursor.Restart(restart.Rotated, now);
            }

            cursor.Identify(snapshot.HeadHash, snapshot.HeadLength, snapshot.Format);
            if (snapshot.Format == DeploymentLogFormat.Document)
            {
                cursor.AdvanceDocument(snapshot.EntriesRead, snapshot.Offset, malformed, failures, now);
            }
            else
            {
                cursor.Advance(snapshot.Offset, snapshot.LineNumber, malformed, failures, now);
            }
        });

        state.Committed();
        tally.Malformed += malformed;
        tally.Failures += failures;
        foreach (var result in results)
        {
            switch (result.Outcome)
            {
                case IntakeOutcome.Created or IntakeOutcome.Regression:
                    tally.Created.Add(result.TaskId!.Value);
                    break;
                case IntakeOutcome.Deduplicated:
                    tally.Deduplicated++;
                    break;
                case IntakeOutcome.Suppressed:
                    tally.Suppressed++;
                    break;
            }
        }
    }

    /// <summary>
    /// Hands the failures to the intake with the cursor's advance in the same transaction. With Orchestration:DryRun the
    /// failures are only reported and nothing is written, not even the cursor, so a later real run still sees them.
    /// </summary>
    private async Task<IReadOnlyList<IntakeResult>> IngestAsync(List<FailureReport> reports, CancellationToken cancellationToken, Func<OpsDbContext, DateTime, Task> persist)
    {
        if (!orchestration.CurrentValue.DryRun)
        {
            return await intake.IngestAsync(reports, Monitor, cancellationToken, persist);
        }

        foreach (var report in reports.Select(r => r.Redacted()))
        {
            logger.LogInformation("[dry-run] Deployment failure not recorded: {Title} ({Fingerprint}) from {Origin}",
                DeploymentFailureTemplate.Title(report), FailureFingerprint.Of(report), report.Origin);
        }

        return [];
    }

    /// <summary>The rest of the old file after a rotation, when it is found beside the new one (name.1, name.0, stem.1.ext).</summary>
    private async Task<string?> ReadRotatedRestAsync(DeploymentLogCursor cursor, Tally tally, CancellationToken cancellationToken)
    {
        if (cursor.Format == DeploymentLogFormat.Document || cursor.HeadLength == 0)
        {
            return null;
        }

        var path = settings.LogPath;
        var stem = Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path));
        string[] candidates = [path + ".1", path + ".0", stem + ".1" + Path.GetExtension(path)];
        foreach (var candidate in candidates.Where(File.Exists))
        {
            await using var stream = Open(candidate);
            if (stream.Length < cursor.HeadLength || Hash(ReadAt(stream, 0, cursor.HeadLength)) != cursor.HeadHash)
            {
                continue;
            }

            var state = new ReadState(cursor);
            var midLine = cursor.Offset > 0 && ReadAt(stream, cursor.Offset - 1, 1) is [var previous] && previous != (byte)'\n';
            var reports = new List<FailureReport>();
            var malformed = 0;
            var name = Path.GetFileName(candidate);
            var length = stream.Length;
            var offset = cursor.Offset;
            var line = cursor.LineNumber;
            while (offset < length)
            {
                var chunk = ReadChunk(stream, offset, length, ref midLine, line, finalRead: true);
                if (chunk.Consumed == 0)
                {
                    break;
                }

                malformed += chunk.TooLong;
                foreach (var (number, text) in chunk.Lines)
                {
                    var parsed = DeploymentLogParser.ParseLine(text, settings.TimeZone);
                    if (parsed.Error is not null)
                    {
                        malformed++;
                        logger.LogWarning("Deployment log {File} line {Line} is malformed and was skipped: {Error}", name, number, parsed.Error);
                    }
                    else if (parsed.Entry is { } entry)
                    {
                        Consider(entry, $"{name} line {number}", state, tally, reports);
                    }
                }

                tally.LinesRead += chunk.Lines.Count;
                offset += chunk.Consumed;
                line = chunk.LastLineNumber;
            }

            if (reports.Count > 0 || malformed > 0)
            {
                // Committed with the cursor still on the old file; the new file's restart follows in the next commit.
                var results = await IngestAsync(reports, cancellationToken, async (db, now) =>
                {
                    var stored = await db.DeploymentLogCursors.FirstAsync(c => c.Path == settings.LogPath, cancellationToken);
                    stored.Advance(offset, line, malformed, reports.Count, now);
                });
                tally.Malformed += malformed;
                tally.Failures += reports.Count;
                tally.Created.AddRange(results.Where(r => r.Outcome is IntakeOutcome.Created or IntakeOutcome.Regression).Select(r => r.TaskId!.Value));
                tally.Deduplicated += results.Count(r => r.Outcome == IntakeOutcome.Deduplicated);
                tally.Suppressed += results.Count(r => r.Outcome == IntakeOutcome.Suppressed);
            }

            return name;
        }

        return null;
    }

    private static bool SameFile(DeploymentLogCursor cursor, byte[] head) =>
        cursor.HeadLength == 0 || (head.Length >= cursor.HeadLength && Hash(head.AsSpan(0, cursor.HeadLength)) == cursor.HeadHash);

    private static FileStream Open(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);

    private static byte[] ReadAt(FileStream stream, long offset, int count)
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

    internal static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// The complete lines from <paramref name="offset"/>, at most <see cref="ChunkBytes"/>. A last line without its newline
    /// is taken only when it is a whole JSON object (or on a rotated file, which nobody writes to any more); a line longer
    /// than a chunk is skipped and counted in <see cref="Chunk.TooLong"/>.
    /// </summary>
    internal static Chunk ReadChunk(FileStream stream, long offset, long length, ref bool midLine, long lineNumber, bool finalRead = false)
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
                        return new Chunk(lines, end - offset, wasMidLine ? lineNumber : lineNumber + 1, wasMidLine ? 0 : 1);
                    }

                    end += more.Length;
                }

                return new Chunk(lines, 0, lineNumber, 0);
            }

            var tail = Encoding.UTF8.GetString(bytes);
            if (!finalRead && !IsWholeJsonObject(tail))
            {
                return new Chunk(lines, 0, lineNumber, 0);
            }

            if (!midLine)
            {
                lines.Add((lineNumber + 1, tail));
                lineNumber++;
            }

            midLine = true;
            return new Chunk(lines, bytes.Length, lineNumber, tooLong);
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

        return new Chunk(lines, consumed, lineNumber, tooLong);
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

    internal sealed record Chunk(List<(long Number, string Text)> Lines, long Consumed, long LastLineNumber, int TooLong);

    /// <summary>Where the read stands, and what the next commit must write to the cursor.</summary>
    private sealed class ReadState(DeploymentLogCursor? cursor)
    {
        public long Offset { get; private set; } = cursor?.Offset ?? 0;
        public long LineNumber { get; private set; } = cursor?.LineNumber ?? 0;
        public int EntriesRead { get; private set; } = cursor?.EntriesRead ?? 0;
        public DeploymentLogFormat Format { get; private set; } = cursor?.Format ?? DeploymentLogFormat.Lines;
        public bool FirstRead { get; } = cursor is null;
        public bool Pending { get; private set; } = cursor is null;
        private string headHash = cursor?.HeadHash ?? "";
        private int headLength = cursor?.HeadLength ?? 0;
        private (bool Rotated, string? From)? restart;

        public void Restart(string? rotatedFrom, bool truncated = false)
        {
            Offset = 0;
            LineNumber = 0;
            EntriesRead = 0;
            restart = (!truncated, rotatedFrom);
            Pending = true;
        }

        public void Identify(byte[] head, DeploymentLogFormat format)
        {
            var hash = Hash(head);
            if (hash != headHash || head.Length != headLength || format != Format)
            {
                Pending = true;
            }

            headHash = hash;
            headLength = head.Length;
            Format = format;
        }

        public void Advance(long offset, long lineNumber)
        {
            Offset = offset;
            LineNumber = lineNumber;
        }

        public void AdvanceDocument(int entries, long length)
        {
            EntriesRead = entries;
            Offset = length;
        }

        public Snapshot Snapshot() => new(Offset, LineNumber, EntriesRead, Format, headHash, headLength, restart is { } r ? (r.Rotated, r.From) : null);

        public void Committed()
        {
            restart = null;
            Pending = false;
        }
    }

    private sealed record Snapshot(long Offset, long LineNumber, int EntriesRead, DeploymentLogFormat Format, string HeadHash, int HeadLength, (bool Rotated, string? From)? Restart);

    private sealed class Tally(string path)
    {
        public DeploymentLogFormat? Format { get; set; }
        public int LinesRead { get; set; }
        public int Malformed { get; set; }
        public int Failures { get; set; }
        public List<Guid> Created { get; } = [];
        public int Deduplicated { get; set; }
        public int Suppressed { get; set; }
        public int SkippedAsOld { get; set; }

        public LogCheckResult Result() => new(path, true, Format, LinesRead, Malformed, Failures, Created, Deduplicated, Suppressed, SkippedAsOld, null);
    }
}
