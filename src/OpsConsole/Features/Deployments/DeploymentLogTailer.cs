using System.Text;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using Microsoft.Extensions.Options;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// Reads the deployment log from where it left off: the persisted cursor (byte offset after the last complete line, line
/// number, and a hash of the file's first bytes as its identity) advances in the same transaction as the tasks its lines
/// became, so a restart neither misses nor repeats a line. A rotated file's unread rest is read before the new file; a
/// truncated file is read again from its start; a malformed line is logged with its number and skipped.
/// </summary>
public sealed class DeploymentLogTailer(
    FailureIntake intake,
    Leases leases,
    IDbContextFactory<OpsDbContext> dbFactory,
    DeploymentSettings settings,
    TimeProvider time,
    IOptionsMonitor<OrchestrationOptions> orchestration,
    ILogger<DeploymentLogTailer> logger)
{
    /// <summary>A JSON document log larger than this is not read (it cannot be tailed; split it or switch to JSON Lines).</summary>
    public const long MaxDocumentBytes = 64L * 1024 * 1024;

    /// <summary>What the log says paused and resumed while the database is unavailable (the watcher and the job alike).</summary>
    public const string Work = "Reading the deployment log";

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly DeploymentLogCommitter committer = new(intake, leases, settings, orchestration, logger);
    private long lastBrokenDocumentLength = -1;

    public string LogPath => settings.LogPath;

    private string FileName => Path.GetFileName(settings.LogPath);

    /// <summary>
    /// Reads whatever was added since the last read; safe to call from the watcher and the job at once, and from several
    /// nodes: the node that holds the lease reads, the others answer who does (and until when, if it went silent).
    /// </summary>
    public async Task<LogCheckResult> CheckAsync(string trigger, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var lease = await leases.TryHoldAsync(DeploymentLogCommitter.Lease, cancellationToken);
            if (!lease.Held)
            {
                return LogCheckResult.ReadElsewhere(settings.LogPath, lease);
            }

            LogCheckResult result;
            try
            {
                result = await CheckLockedAsync(cancellationToken);
            }
            catch (LeaseLostException)
            {
                // Another node took over while this one read (it had gone quiet past the lease's term); what this node read
                // was not committed, and the cursor is where the other node continues.
                DeploymentsLog.ReadTakenOver(logger, FileName);
                return LogCheckResult.ReadElsewhere(settings.LogPath, new LeaseResult(false, null, null));
            }

            if (result.Failures > 0 || result.Malformed > 0)
            {
                DeploymentsLog.Read(
                    logger, FileName, trigger, result.LinesRead, result.Failures, result.CreatedTaskIds.Count, result.Deduplicated, result.Suppressed, result.Malformed);
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
        await using var stream = DeploymentLogFile.Open(path);
        var length = stream.Length;
        var head = DeploymentLogFile.ReadAt(stream, 0, (int)Math.Min(length, DeploymentLogCursor.HeadBytes));
        var tally = new LogCheckTally(path);
        var state = new LogReadState(cursor);

        var format = DeploymentLogParser.DetectFormat(Encoding.UTF8.GetString(head));

        // A document is rewritten as a whole, so its first bytes say nothing about its identity; its entry count does.
        var stillADocument = format == DeploymentLogFormat.Document && cursor?.Format == DeploymentLogFormat.Document;
        if (!stillADocument && cursor is not null && !DeploymentLogFile.SameFile(cursor, head))
        {
            // Another file now has the name: the old one was rotated (its unread rest may be beside it) or rewritten.
            var rotated = await ReadRotatedRestAsync(cursor, tally, cancellationToken);
            var truncated = rotated is null && length < cursor.Offset;
            state.Restart(rotated, truncated);
            var what = rotated is not null ? $"was rotated (the rest of {rotated} was read first)" : truncated ? "was truncated and rewritten" : "was replaced";
            DeploymentsLog.Replaced(logger, FileName, what);
        }
        else if (!stillADocument && cursor is not null && length < cursor.Offset)
        {
            state.Restart(null, truncated: true);
            DeploymentsLog.Truncated(logger, FileName, length, cursor.Offset);
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
            await committer.CommitAsync([], state, tally, 0, 0, cancellationToken);
        }

        return tally.Result();
    }

    private async Task ReadLinesAsync(FileStream stream, long length, LogReadState state, LogCheckTally tally, CancellationToken cancellationToken)
    {
        var midLine = state.Offset > 0 && DeploymentLogFile.ReadAt(stream, state.Offset - 1, 1) is [var previous] && previous != (byte)'\n';
        while (state.Offset < length)
        {
            var chunk = DeploymentLogFile.ReadChunk(stream, state.Offset, length, ref midLine, state.LineNumber);
            if (chunk.Consumed == 0)
            {
                break; // only a line still being written is left
            }

            var reports = new List<FailureReport>();
            var malformed = chunk.TooLong;
            if (chunk.TooLong > 0)
            {
                DeploymentsLog.LineTooLong(logger, FileName, chunk.LastLineNumber, DeploymentLogFile.ChunkBytes / 1024);
            }

            foreach (var (number, text) in chunk.Lines)
            {
                var parsed = DeploymentLogParser.ParseLine(text, settings.TimeZone);
                foreach (var warning in parsed.Warnings)
                {
                    DeploymentsLog.LineWarning(logger, FileName, number, warning);
                }

                if (parsed.Error is not null)
                {
                    malformed++;
                    DeploymentsLog.LineMalformed(logger, FileName, number, parsed.Error);
                    continue;
                }

                if (parsed.Entry is { } entry)
                {
                    Consider(entry, $"{FileName} line {number}", state, tally, reports);
                }
            }

            tally.LinesRead += chunk.Lines.Count;
            state.Advance(state.Offset + chunk.Consumed, chunk.LastLineNumber);
            await committer.CommitAsync(reports, state, tally, malformed, reports.Count, cancellationToken);
        }
    }

    private async Task ReadDocumentAsync(FileStream stream, long length, bool documentBefore, LogReadState state, LogCheckTally tally, CancellationToken cancellationToken)
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
                DeploymentsLog.DocumentTooLarge(logger, FileName, length, MaxDocumentBytes / (1024 * 1024));
            }

            return;
        }

        var text = Encoding.UTF8.GetString(DeploymentLogFile.ReadAt(stream, 0, (int)length));
        var document = DeploymentLogParser.ParseDocument(text, settings.TimeZone);
        if (document.Error is not null)
        {
            if (lastBrokenDocumentLength != length)
            {
                lastBrokenDocumentLength = length;
                DeploymentsLog.DocumentBroken(logger, FileName, document.Error);
            }

            return;
        }

        foreach (var problem in document.Problems)
        {
            DeploymentsLog.DocumentProblem(logger, FileName, problem);
        }

        var start = state.EntriesRead;
        if (document.Entries.Count < start)
        {
            DeploymentsLog.DocumentShrank(logger, FileName, document.Entries.Count, start);
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
        await committer.CommitAsync(reports, state, tally, malformed, reports.Count, cancellationToken);
    }

    private void Consider(DeploymentEntry entry, string origin, LogReadState state, LogCheckTally tally, List<FailureReport> reports)
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

    /// <summary>The rest of the old file after a rotation, when it is found beside the new one (name.1, name.0, stem.1.ext).</summary>
    private async Task<string?> ReadRotatedRestAsync(DeploymentLogCursor cursor, LogCheckTally tally, CancellationToken cancellationToken)
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
            await using var stream = DeploymentLogFile.Open(candidate);
            if (stream.Length < cursor.HeadLength || DeploymentLogFile.Hash(DeploymentLogFile.ReadAt(stream, 0, cursor.HeadLength)) != cursor.HeadHash)
            {
                continue;
            }

            var state = new LogReadState(cursor);
            var midLine = cursor.Offset > 0 && DeploymentLogFile.ReadAt(stream, cursor.Offset - 1, 1) is [var previous] && previous != (byte)'\n';
            var reports = new List<FailureReport>();
            var malformed = 0;
            var name = Path.GetFileName(candidate);
            var length = stream.Length;
            var offset = cursor.Offset;
            var line = cursor.LineNumber;
            while (offset < length)
            {
                var chunk = DeploymentLogFile.ReadChunk(stream, offset, length, ref midLine, line, finalRead: true);
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
                        DeploymentsLog.LineMalformed(logger, name, number, parsed.Error);
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
                await committer.CommitRotatedRestAsync(reports, offset, line, malformed, tally, cancellationToken);
            }

            return name;
        }

        return null;
    }
}
