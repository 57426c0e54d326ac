using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// Hands the failures a read found to the intake with the cursor's advance in the same transaction, so a restart neither
/// misses nor repeats a line. With Orchestration:DryRun the failures are only reported and nothing is written, not even the
/// cursor, so a later real run still sees them.
/// </summary>
internal sealed class DeploymentLogCommitter(
    FailureIntake intake,
    Leases leases,
    DeploymentSettings settings,
    IOptionsMonitor<OrchestrationOptions> orchestration,
    ILogger logger)
{
    /// <summary>The lease of the node that reads the deployment log (one node at a time reads it; the cursor is shared).</summary>
    public const string Lease = "deployment-log";

    private static readonly Actor Monitor = new("deployment_monitor", ActorKind.Engine);

    /// <summary>One chunk of lines (or a whole document): its failures, and the cursor where the read now stands.</summary>
    public async Task CommitAsync(List<FailureReport> reports, LogReadState state, LogCheckTally tally, int malformed, int failures, CancellationToken cancellationToken)
    {
        var snapshot = state.Snapshot();
        var results = await IngestAsync(reports, cancellationToken, async (db, now) =>
        {
            await leases.FenceAsync(db, Lease, now, cancellationToken);
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
        tally.Record(results, malformed, failures);
    }

    /// <summary>
    /// The unread rest of a rotated file, committed with the cursor still on the old file; the new file's restart follows in
    /// the next commit.
    /// </summary>
    public async Task CommitRotatedRestAsync(List<FailureReport> reports, long offset, long lineNumber, int malformed, LogCheckTally tally, CancellationToken cancellationToken)
    {
        var results = await IngestAsync(reports, cancellationToken, async (db, now) =>
        {
            await leases.FenceAsync(db, Lease, now, cancellationToken);
            var stored = await db.DeploymentLogCursors.FirstAsync(c => c.Path == settings.LogPath, cancellationToken);
            stored.Advance(offset, lineNumber, malformed, reports.Count, now);
        });
        tally.Record(results, malformed, reports.Count);
    }

    private async Task<IReadOnlyList<IntakeResult>> IngestAsync(List<FailureReport> reports, CancellationToken cancellationToken, Func<OpsDbContext, DateTime, Task> persist)
    {
        if (!orchestration.CurrentValue.DryRun)
        {
            return await intake.IngestAsync(reports, Monitor, cancellationToken, persist);
        }

        foreach (var report in reports.Select(r => r.Redacted()))
        {
            DeploymentsLog.DryRunFailure(logger, DeploymentFailureTemplate.Title(report), FailureFingerprint.Of(report), report.Origin);
        }

        return [];
    }
}
