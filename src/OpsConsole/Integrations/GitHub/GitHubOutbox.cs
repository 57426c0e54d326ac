using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Integrations.GitHub;

/// <summary>What one delivery pass did.</summary>
public sealed record OutboxPass(int Delivered, int Failed, int Pending, DateTime? NextDueAt, string? StoppedBecause);

/// <summary>
/// Delivers the GitHub outbox: per task, in order; one comment for a burst of changes; labels brought in line once;
/// creation made idempotent by the task's marker (looked for before creating whenever an earlier attempt may have reached
/// GitHub). Waits out rate limits and failures for everyone (never hammers GitHub), fails a single change GitHub refuses
/// for good without holding up other tasks. Nothing is sent while GitHub is not configured or in dry-run.
/// </summary>
public sealed class GitHubOutbox(
    IDbContextFactory<OpsDbContext> dbFactory,
    UnitOfWork unitOfWork,
    Leases leases,
    IIssueTracker tracker,
    GitHubStatus status,
    IOptionsMonitor<GitHubOptions> options,
    IOptionsMonitor<IssueDeliveryOptions> delivery,
    ConsoleLinks links,
    TimeProvider time,
    ILogger<GitHubOutbox> logger)
{
    /// <summary>The lease of the node that delivers (one node at a time talks to GitHub for the outbox).</summary>
    public const string Lease = "github-outbox";

    private const int PassSize = 1000;
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly HashSet<long> dryRunLogged = [];

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<OutboxPass> DeliverAsync(CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            return await PassAsync(cancellationToken);
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    /// <summary>The issue as it would be written now, for dry-run and the console.</summary>
    public IssueDraft Draft(WorkItem task) => IssueTemplates.Draft(task, links.PublicUrl, options.CurrentValue.Assignee);

    private async Task<OutboxPass> PassAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        // One read for the waiting and the failed rows: a task whose head change failed waits for a person, and reading the two
        // apart let a retry committed in between send the task's later changes without the issue they update. A failed row is
        // its task's oldest undelivered one, so it is inside the window whenever any of the task's rows is.
        var undelivered = await db.IssueOutbox.AsNoTracking().Where(r => r.DeliveredAt == null)
            .OrderBy(r => r.Id).Take(PassSize).ToListAsync(cancellationToken);
        var blocked = undelivered.Where(r => r.FailedAt != null).Select(r => r.WorkItemId).ToHashSet();
        var rows = undelivered.Where(r => r.FailedAt == null).ToList();
        if (rows.Count == 0)
        {
            status.Succeeded(0);
            return new(0, 0, 0, null, null);
        }

        if (!settings.IsConfigured)
        {
            return new(0, 0, rows.Count, null, "GitHub is not configured (GitHub:Token, GitHub:Repository): issues are kept locally");
        }

        if (delivery.CurrentValue.DryRun)
        {
            await LogDryRunAsync(db, rows, cancellationToken);
            return new(0, 0, rows.Count, null, "dry-run: nothing is sent to GitHub");
        }

        if (status.IsPaused(out var pausedUntil))
        {
            return new(0, 0, rows.Count, pausedUntil, status.PauseReason);
        }

        if (await leases.TryHoldAsync(Lease, cancellationToken) is { Held: false } lease)
        {
            // Another node delivers; should it go silent, its lease lapses at HeldUntil and a pass here takes over then.
            return new(0, 0, rows.Count, lease.HeldUntil, $"another node delivers: {lease.Describe()}");
        }

        var delivered = 0;
        var failed = 0;
        DateTime? nextDue = null;
        foreach (var group in rows.GroupBy(r => r.WorkItemId))
        {
            if (blocked.Contains(group.Key))
            {
                continue;
            }

            if (!(await leases.TryHoldAsync(Lease, cancellationToken)).Held)
            {
                // This node was silent past the lease's term and another took over: it continues from the outbox as stored.
                GitHubLog.OutboxTakenOver(logger);
                break;
            }

            var task = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == group.Key, cancellationToken);
            if (task is null)
            {
                continue;
            }

            var batch = group.ToList();
            try
            {
                delivered += await DeliverTaskAsync(task, batch, cancellationToken);
            }
            catch (IssueTrackerException ex) when (ex.Failure == TrackerFailure.Rejected)
            {
                failed++;
                GitHubLog.ChangeRefused(logger, task.Id, ex.Message);
                await MarkFailedAsync(task.Id, ex.Message, cancellationToken);
            }
            catch (IssueTrackerException ex)
            {
                var until = status.Failed(ex);
                if (ex.Failure == TrackerFailure.Throttled)
                {
                    GitHubLog.Throttled(logger, ex.Message);
                }
                else
                {
                    GitHubLog.DeliveryPaused(logger, until, ex.Message);
                    await RecordAttemptErrorAsync(batch[0].Id, ex.Message, cancellationToken);
                }

                nextDue = until;
                break;
            }
        }

        if (nextDue is null)
        {
            status.Succeeded(delivered);
        }

        var pending = await db.IssueOutbox.CountAsync(r => r.DeliveredAt == null && r.FailedAt == null, cancellationToken);
        if (delivered > 0)
        {
            GitHubLog.OutboxPass(logger, delivered, pending);
        }

        return new(delivered, failed, pending, nextDue ?? (pending > 0 && undelivered.Count == PassSize ? Now : null), nextDue is null ? null : status.PauseReason);
    }

    /// <summary>Delivers one task's rows in order: creation first, then one comment, the labels, and the final open/closed state.</summary>
    private async Task<int> DeliverTaskAsync(WorkItem task, List<IssueOutboxEntry> rows, CancellationToken cancellationToken)
    {
        var done = 0;

        // Comments for a pull request (CI feedback) go to it, one by one: they need no issue and are never folded.
        foreach (var row in rows.Where(r => r.TargetNumber is not null))
        {
            await RecordAttemptAsync(row.Id, cancellationToken);
            await tracker.CommentAsync(row.TargetNumber!.Value, row.Text, cancellationToken);
            await CompleteAsync(task.Id, [row.Id], null, cancellationToken);
            done++;
        }

        rows = rows.Where(r => r.TargetNumber is null).ToList();
        var targeted = done;
        var number = task.GithubIssueNumber;
        var index = 0;
        while (index < rows.Count && rows[index].Kind == IssueChangeKind.Open)
        {
            var open = rows[index];
            if (number is null)
            {
                var issue = open.Attempts > 0 ? await tracker.FindByMarkerAsync(task.Id, open.CreatedAt, cancellationToken) : null;
                if (issue is null)
                {
                    await RecordAttemptAsync(open.Id, cancellationToken);
                    issue = await tracker.CreateAsync(Draft(task), cancellationToken);
                    GitHubLog.IssueOpened(logger, issue.Number, task.Id, issue.Url);
                }
                else
                {
                    GitHubLog.IssueFoundAgain(logger, issue.Number, task.Id);
                }

                number = issue.Number;
                await CompleteAsync(task.Id, [open.Id], issue, cancellationToken);
            }
            else
            {
                await CompleteAsync(task.Id, [open.Id], null, cancellationToken);
            }

            done++;
            index++;
        }

        var rest = rows.Skip(index).ToList();
        if (done > targeted && rest.Count > 0 && rest.All(r => r.Kind == IssueChangeKind.Labels))
        {
            // The issue was just created with the labels of the task as it is now: later label syncs have nothing to add.
            await CompleteAsync(task.Id, rest.Select(r => r.Id).ToList(), null, cancellationToken);
            return done + rest.Count;
        }

        if (rest.Count == 0)
        {
            return done;
        }

        if (number is not { } issueNumber)
        {
            throw new IssueTrackerException(TrackerFailure.Rejected, "the task has no GitHub issue to update: create or link one first");
        }

        var comment = Fold(rest);
        var commentRows = rest.Where(r => r.Kind is IssueChangeKind.Comment or IssueChangeKind.Close or IssueChangeKind.Reopen).Select(r => r.Id).ToList();
        var finalState = rest.LastOrDefault(r => r.Kind is IssueChangeKind.Close or IssueChangeKind.Reopen);

        // Reopen before saying why; say why before closing.
        if (finalState is { Kind: IssueChangeKind.Reopen })
        {
            await tracker.SetStateAsync(issueNumber, open: true, null, cancellationToken);
        }

        if (comment.Length > 0)
        {
            await RecordAttemptAsync(rest[0].Id, cancellationToken);
            await tracker.CommentAsync(issueNumber, comment, cancellationToken);
        }

        await CompleteAsync(task.Id, commentRows.Where(id => finalState is null || id != finalState.Id).ToList(), null, cancellationToken);

        var labelRows = rest.Where(r => r.Kind == IssueChangeKind.Labels).Select(r => r.Id).ToList();
        if (labelRows.Count > 0 || finalState is not null)
        {
            await tracker.SetLabelsAsync(issueNumber, IssueTemplates.Labels(task), cancellationToken);
            await CompleteAsync(task.Id, labelRows, null, cancellationToken);
        }

        if (finalState is { Kind: IssueChangeKind.Close })
        {
            await tracker.SetStateAsync(issueNumber, open: false, finalState.Reason, cancellationToken);
        }

        if (finalState is not null)
        {
            await CompleteAsync(task.Id, [finalState.Id], null, cancellationToken);
        }

        return done + rest.Count;
    }

    /// <summary>
    /// One comment for a burst: every comment, close and reopen text in order, with repeated kinds (occurrence counts)
    /// folded into their last value.
    /// </summary>
    internal static string Fold(IReadOnlyList<IssueOutboxEntry> rows)
    {
        var texts = rows.Where(r => r.Kind is IssueChangeKind.Comment or IssueChangeKind.Close or IssueChangeKind.Reopen && r.Text.Length > 0).ToList();
        var lastOfKey = texts.Where(r => r.CoalesceKey is not null).GroupBy(r => r.CoalesceKey).ToDictionary(g => g.Key!, g => g.Last().Id);
        var kept = texts.Where(r => r.CoalesceKey is null || lastOfKey[r.CoalesceKey] == r.Id).Select(r => r.Text).ToList();
        var text = string.Join("\n\n---\n\n", kept);
        return text.Length <= 60_000 ? text : text[..60_000] + "\n…";
    }

    private async Task LogDryRunAsync(OpsDbContext db, List<IssueOutboxEntry> rows, CancellationToken cancellationToken)
    {
        foreach (var row in rows.Where(r => dryRunLogged.Add(r.Id)))
        {
            if (row.Kind == IssueChangeKind.Open
                && await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == row.WorkItemId, cancellationToken) is { } task)
            {
                var draft = Draft(task);
                GitHubLog.DryRunOpen(
                    logger, task.Id, draft.Title, string.Join(", ", draft.Labels.Select(l => l.Name)), draft.Assignee ?? "none", draft.Body);
            }
            else
            {
                GitHubLog.DryRunChange(logger, row.Kind.ToString().ToLowerInvariant(), row.WorkItemId, row.Text);
            }
        }
    }

    // ---------------------------------------------------------------- bookkeeping (one unit of work each)

    /// <summary>Written before a call that changes GitHub: if its answer is lost, the next attempt looks before creating.</summary>
    private Task RecordAttemptAsync(long rowId, CancellationToken cancellationToken) =>
        unitOfWork.WriteAsync(async (db, now) =>
        {
            await db.IssueOutbox.Where(r => r.Id == rowId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Attempts, r => r.Attempts + 1)
                .SetProperty(r => r.LastAttemptAt, now), cancellationToken);
            return true;
        }, cancellationToken);

    private Task RecordAttemptErrorAsync(long rowId, string error, CancellationToken cancellationToken) =>
        unitOfWork.WriteAsync(async (db, _) =>
        {
            var message = error.Clip(1000);
            await db.IssueOutbox.Where(r => r.Id == rowId).ExecuteUpdateAsync(s => s.SetProperty(r => r.LastError, message), cancellationToken);
            return true;
        }, CancellationToken.None);

    private Task CompleteAsync(Guid taskId, List<long> rowIds, TrackedIssue? created, CancellationToken cancellationToken) =>
        unitOfWork.WriteAsync(async (db, now) =>
        {
            if (rowIds.Count > 0)
            {
                await db.IssueOutbox.Where(r => rowIds.Contains(r.Id)).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.DeliveredAt, now)
                    .SetProperty(r => r.LastError, (string?)null), cancellationToken);
            }

            var task = await db.WorkItems.FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);
            if (task is not null && (created is not null || task.GithubIssueState is GitHubIssueState.Local or GitHubIssueState.Pending))
            {
                if (created is not null)
                {
                    task.LinkIssue(created.Number, created.Url);
                    TaskLog.Add(db, task, LogSeverity.Info, "github_issue", $"GitHub issue #{created.Number} linked: {created.Url}", Actor.Engine, now,
                        System.Text.Json.JsonSerializer.Serialize(new { github_issue_number = created.Number, github_issue_url = created.Url }));
                }
                else if (task.GithubIssueNumber is { } n)
                {
                    task.LinkIssue(n, task.GithubIssueUrl ?? options.CurrentValue.IssueUrl(n));
                }

                await db.SaveChangesAsync(cancellationToken);
            }

            return true;
        }, CancellationToken.None);

    private Task MarkFailedAsync(Guid taskId, string error, CancellationToken cancellationToken) =>
        unitOfWork.WriteAsync(async (db, now) =>
        {
            var head = await db.IssueOutbox.Where(r => r.WorkItemId == taskId && r.DeliveredAt == null && r.FailedAt == null).OrderBy(r => r.Id).FirstOrDefaultAsync(cancellationToken);
            if (head is not null)
            {
                head.FailedAt = now;
                head.LastError = error.Clip(1000);
                head.Attempts++;
            }

            var task = await db.WorkItems.FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);
            if (task is not null)
            {
                task.IssueDeliveryFailed();
                TaskLog.Add(db, task, LogSeverity.Error, "github_issue", $"GitHub refused a change to this task's issue: {error}. Retry delivery or unlink the issue.", Actor.Engine, now);
            }

            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, CancellationToken.None);
}
