using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Security;

namespace OpsConsole.Features.GitHub;

/// <summary>A task's GitHub issue as the API and the console show it.</summary>
public sealed record IssueStateDto(
    Guid TaskId,
    string GithubIssueState,
    int? GithubIssueNumber,
    string? GithubIssueUrl,
    int PendingChanges,
    int FailedChanges,
    string? LastError,
    string Message);

/// <summary>What "Retry now" did: failed issues retried, changes delivered and still waiting, and why delivery stopped early (null: it did not).</summary>
public sealed record DeliveryRun(int RetriedFailedTasks, OutboxPass Pass)
{
    public int Delivered => Pass.Delivered;

    public int Pending => Pass.Pending;

    public string? StoppedBecause => Pass.StoppedBecause;
}

/// <summary>The manual controls of a task's issue: create, link by number, unlink, retry delivery; and the inbound close from GitHub.</summary>
public sealed class IssueService(
    UnitOfWork unitOfWork,
    OrchestrationEngine engine,
    IDbContextFactory<OpsDbContext> dbFactory,
    IIssueTracker tracker,
    GitHubStatus status,
    IIssueDeliveryTrigger trigger,
    IOptionsMonitor<GitHubOptions> options,
    GitHubOutbox outbox,
    AccessGuard access,
    ILogger<IssueService> logger)
{
    /// <summary>The issue as it would be written for the task now (the task page's preview).</summary>
    public IssueDraftDto Draft(WorkItem task)
    {
        var draft = outbox.Draft(task);
        return new IssueDraftDto(draft.Title, draft.Body, [.. draft.Labels.Select(l => l.Name)], draft.Assignee);
    }

    public async Task<IssueStateDto> RequestAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        var message = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var task = await LoadAsync(db, taskId, cancellationToken);
            if (task.GithubIssueState == GitHubIssueState.Failed)
            {
                await RetryRowsAsync(db, task, cancellationToken);
                TaskLog.Add(db, task, LogSeverity.Info, "github_issue", $"GitHub delivery retried by {actor.Name}", actor, now);
                await db.SaveChangesAsync(cancellationToken);
                return "Delivery of the issue's changes will be retried.";
            }

            if (!task.RequestIssue())
            {
                return task.GithubIssueNumber is { } n ? $"The task already has issue #{n}." : "The task's issue is already waiting to be created.";
            }

            TaskLog.Add(db, task, LogSeverity.Info, "github_issue", $"GitHub issue requested by {actor.Name}", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return options.CurrentValue.IsConfigured
                ? "The issue will be created on GitHub shortly."
                : "GitHub is not configured: the issue is kept locally and created once GitHub:Token and GitHub:Repository are set.";
        }, cancellationToken);
        status.Resume();
        trigger.Soon();
        return await StateAsync(taskId, message, cancellationToken);
    }

    public async Task<IssueStateDto> LinkAsync(Guid taskId, int number, Actor actor, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var url = settings.IssueUrl(number);
        await using (var read = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var current = await read.WorkItems.Where(w => w.Id == taskId).Select(w => new { w.GithubIssueNumber }).FirstOrDefaultAsync(cancellationToken)
                ?? throw RefusedException.NotFound("Task", taskId);
            if (current.GithubIssueNumber is { } linked && linked != number)
            {
                throw RefusedException.Conflict($"The task is linked to issue #{linked}; unlink it first (DELETE this route) to link #{number}.");
            }
        }

        if (settings.IsConfigured)
        {
            try
            {
                var issue = await tracker.GetAsync(number, cancellationToken)
                    ?? throw RefusedException.BadRequest($"issue_number: #{number} does not exist in {settings.Repository}");
                url = issue.Url;
            }
            catch (IssueTrackerException ex) when (ex.Failure == TrackerFailure.Rejected)
            {
                throw RefusedException.BadRequest($"issue_number: #{number} cannot be linked: {ex.Message}");
            }
            catch (IssueTrackerException ex)
            {
                // GitHub cannot be asked now; the link is kept and its comment delivered once GitHub answers.
                GitHubIntakeLog.LinkedUnchecked(logger, number, ex.Message);
            }
        }

        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        var message = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var task = await LoadAsync(db, taskId, cancellationToken);
            if (task.GithubIssueNumber == number)
            {
                return $"The task is already linked to issue #{number}.";
            }

            if (task.GithubIssueNumber is { } other)
            {
                throw RefusedException.Conflict($"The task is linked to issue #{other}; unlink it first (DELETE this route) to link #{number}.");
            }

            var wasWaiting = task.GithubIssueState != GitHubIssueState.None;
            await db.IssueOutbox.Where(r => r.WorkItemId == taskId && r.DeliveredAt == null).ExecuteDeleteAsync(cancellationToken);
            task.LinkIssue(number, url);
            if (wasWaiting)
            {
                // The policy only introduces a task to an issue it had none of; an issue that was waiting to be created is replaced.
                foreach (var change in IssuePolicy.Decide(null, IssueFacts.Of(task), options.CurrentValue.Triggers, task.Id))
                {
                    db.IssueOutbox.Add(new IssueOutboxEntry { WorkItemId = task.Id, Kind = change.Kind, Text = change.Text, CreatedAt = now });
                }
            }

            TaskLog.Add(db, task, LogSeverity.Info, "github_issue", $"Linked to GitHub issue #{number} by {actor.Name}: {url}", actor, now,
                JsonSerializer.Serialize(new { github_issue_number = number, github_issue_url = url }));
            await db.SaveChangesAsync(cancellationToken);
            return $"Linked to issue #{number}.";
        }, cancellationToken);
        return await StateAsync(taskId, message, cancellationToken);
    }

    public async Task<IssueStateDto> UnlinkAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        var message = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var task = await LoadAsync(db, taskId, cancellationToken);
            if (task.GithubIssueState == GitHubIssueState.None)
            {
                return "The task has no issue.";
            }

            var dropped = await db.IssueOutbox.Where(r => r.WorkItemId == taskId && r.DeliveredAt == null).ExecuteDeleteAsync(cancellationToken);
            var was = task.GithubIssueNumber is { } n ? $"issue #{n}" : "its local issue";
            task.UnlinkIssue();
            TaskLog.Add(db, task, LogSeverity.Info, "github_issue",
                $"Unlinked from {was} by {actor.Name}{(dropped > 0 ? $"; {dropped} undelivered changes dropped" : "")}", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return $"Unlinked from {was}; the issue itself is left as it is on GitHub.";
        }, cancellationToken);
        return await StateAsync(taskId, message, cancellationToken);
    }

    public async Task<IssueStateDto> RetryTaskAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        var retried = await RetryDeliveryAsync(taskId, actor, cancellationToken);
        return await StateAsync(taskId, retried > 0 ? "The failed change will be delivered again now." : "Nothing had failed; delivery was started now.", cancellationToken);
    }

    /// <summary>Retries everything that failed (or one task's), forgets the backoff, and delivers now.</summary>
    public async Task<int> RetryDeliveryAsync(Guid? taskId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        var retried = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var tasks = await db.WorkItems.Where(w => w.GithubIssueState == GitHubIssueState.Failed && (taskId == null || w.Id == taskId)).ToListAsync(cancellationToken);
            foreach (var task in tasks)
            {
                await RetryRowsAsync(db, task, cancellationToken);
                TaskLog.Add(db, task, LogSeverity.Info, "github_issue", $"GitHub delivery retried by {actor.Name}", actor, now);
            }

            await db.SaveChangesAsync(cancellationToken);
            return tasks.Count;
        }, cancellationToken);
        status.Resume();
        trigger.Soon();
        return retried;
    }

    /// <summary>"Retry now" (the Integrations page, POST integrations/github/deliver): retries what failed, then delivers the outbox at once.</summary>
    public async Task<DeliveryRun> DeliverNowAsync(Actor actor, CancellationToken cancellationToken)
    {
        var retried = await RetryDeliveryAsync(null, actor, cancellationToken);
        return new DeliveryRun(retried, await outbox.DeliverAsync(cancellationToken));
    }

    /// <summary>
    /// GitHub says a person closed (or reopened) the issue. A closed issue completes the task (not planned: cancels it); the
    /// task records who did it. Our own closes find the task already finished and change nothing.
    /// </summary>
    public async Task<string> IssueClosedOnGitHubAsync(int number, string? repository, bool closed, string? stateReason, string? by, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (settings.Repository is { } configured && repository is not null && !string.Equals(configured.Trim(), repository, StringComparison.OrdinalIgnoreCase))
        {
            return $"issue #{number} belongs to {repository}, not {configured}";
        }

        var actor = new Actor($"github:{by ?? "unknown"}", ActorKind.External);
        await using var read = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = await read.WorkItems.Where(w => w.GithubIssueNumber == number).OrderByDescending(w => w.CreatedOn)
            .Select(w => new { w.Id, w.Status }).ToListAsync(cancellationToken);
        var open = ids.Where(t => !t.Status.IsTerminal()).ToList();
        if (!closed || open.Count == 0)
        {
            var task = ids.FirstOrDefault();
            if (task is not null)
            {
                await unitOfWork.WriteAsync(async (db, now) =>
                {
                    var item = await LoadAsync(db, task.Id, cancellationToken);
                    TaskLog.Add(db, item, LogSeverity.Info, "github_issue", $"Issue #{number} was {(closed ? "closed" : "reopened")} on GitHub by {by ?? "someone"}", actor, now);
                    await db.SaveChangesAsync(cancellationToken);
                    return true;
                }, cancellationToken);
            }

            return task is null ? $"no task has issue #{number}" : $"issue #{number} {(closed ? "closed" : "reopened")}: recorded on task {task.Id}";
        }

        foreach (var task in open)
        {
            if (stateReason == "not_planned")
            {
                await engine.CancelAsync(task.Id, $"issue #{number} was closed on GitHub as not planned", actor, cancellationToken);
            }
            else
            {
                await engine.CompleteAsync(task.Id, JsonSerializer.Serialize(new { closed_on_github = number, closed_by = by }), actor, cancellationToken);
            }
        }

        return $"issue #{number} closed by {by ?? "someone"}: {open.Count} task(s) {(stateReason == "not_planned" ? "cancelled" : "completed")}";
    }

    /// <summary>Whether a webhook's repository (owner/name) is the configured one; true when either is unknown.</summary>
    public bool IsOurRepository(string? repository) =>
        options.CurrentValue.Repository is not { } configured || repository is null
        || string.Equals(configured.Trim(), repository, StringComparison.OrdinalIgnoreCase);

    private static async Task RetryRowsAsync(OpsDbContext db, WorkItem task, CancellationToken cancellationToken)
    {
        await db.IssueOutbox.Where(r => r.WorkItemId == task.Id && r.DeliveredAt == null && r.FailedAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.FailedAt, (DateTime?)null).SetProperty(r => r.NextAttemptAt, (DateTime?)null), cancellationToken);
        task.IssueDeliveryRetried();
    }

    private async Task<IssueStateDto> StateAsync(Guid taskId, string message, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        {
            var task = await db.WorkItems.AsNoTracking().FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken)
                ?? throw RefusedException.NotFound("Task", taskId);
            var rows = await db.IssueOutbox.AsNoTracking().Where(r => r.WorkItemId == taskId && r.DeliveredAt == null).ToListAsync(cancellationToken);
            return new IssueStateDto(task.Id, WireFormat.Of(task.GithubIssueState), task.GithubIssueNumber, task.GithubIssueUrl,
                rows.Count(r => r.FailedAt is null), rows.Count(r => r.FailedAt is not null), rows.Select(r => r.LastError).LastOrDefault(e => e is not null), message);
        }
    }

    private static async Task<WorkItem> LoadAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        await db.WorkItems.Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken)
            ?? throw RefusedException.NotFound("Task", taskId);
}
