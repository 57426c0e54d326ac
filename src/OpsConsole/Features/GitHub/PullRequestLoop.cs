using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.Features.GitHub;

/// <summary>
/// The pull-request loop: a pull request that closes a task's issue (Fixes #N) or was pushed on the task's branch is linked
/// to the task; its head commit's checks are followed; a failing run gets one comment (mentioning GitHub:Assignee) through the
/// outbox, at most GitHub:CiFeedbackLimit per pull request, then the task escalates; merged completes the task
/// (GitHub:CompleteOnMerge), closed unmerged fails the attempt through the failure policy. Every change is one unit of work
/// on the task's row version, so deliveries racing on two nodes apply one after the other.
/// </summary>
public sealed class PullRequestLoop(
    UnitOfWork unitOfWork,
    IDbContextFactory<OpsDbContext> dbFactory,
    OrchestrationEngine engine,
    IIssueDeliveryTrigger trigger,
    IOptionsMonitor<GitHubOptions> options,
    ILogger<PullRequestLoop> logger)
{
    private static readonly WorkItemStatus[] Finished = [WorkItemStatus.Completed, WorkItemStatus.Cancelled];

    /// <summary>Whether <paramref name="sha"/> is the head of a pull request that works on a task (its CI is the loop's, not a new failure).</summary>
    public async Task<int?> PullRequestOfHeadAsync(string sha, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.WorkItems.SelectMany(w => w.PullRequests).Where(p => p.HeadSha == sha).Select(p => (int?)p.Number).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<string> PullRequestEventAsync(PullRequestEvent pr, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var taskIds = await TasksOfAsync(pr, settings.Repository, cancellationToken);
        if (taskIds.Count == 0)
        {
            return $"pull request #{pr.Number} works on no task (no Fixes #N of a task's issue, no {PullRequestReferences.BranchPrefix}<task id> branch)";
        }

        var actor = new Actor($"github:{pr.By ?? "unknown"}", ActorKind.External);
        var results = new List<string>();
        foreach (var taskId in taskIds)
        {
            var (before, status) = await unitOfWork.WriteAsync(async (db, now) =>
            {
                var item = await db.WorkItems.Include(w => w.AssignedAgent).FirstAsync(w => w.Id == taskId, cancellationToken);
                var previous = item.PullRequests.FirstOrDefault(p => p.Number == pr.Number)?.State;
                if (item.TrackPullRequest(pr.Number, pr.Title.Clip(299), Link(pr.Url, settings, pr.Number), pr.State, pr.HeadSha, pr.HeadBranch?.Clip(254), now)
                    && previous != pr.State)
                {
                    TaskLog.Add(db, item, LogSeverity.Info, "pull_request",
                        previous is null ? $"Pull request #{pr.Number} linked ({Wire(pr.State)}): {pr.Title}" : $"Pull request #{pr.Number} is {Wire(pr.State)} (was {Wire(previous.Value)})",
                        actor, now, JsonSerializer.Serialize(new { number = pr.Number, url = pr.Url, state = Wire(pr.State), head_sha = pr.HeadSha }));
                }

                await db.SaveChangesAsync(cancellationToken);
                return (previous, item.Status);
            }, cancellationToken);
            results.Add(await ConcludeAsync(taskId, pr, before, status, actor, cancellationToken));
        }

        return string.Join("; ", results);
    }

    /// <summary>A check suite or workflow run on a commit: the checks of every pull request whose head it is.</summary>
    public async Task<string> CheckEventAsync(CheckEvent check, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        List<(Guid TaskId, int Number)> heads;
        await using (var read = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            heads = (await read.WorkItems.AsNoTracking().Where(w => w.PullRequests.Any(p => p.HeadSha == check.Sha)).ToListAsync(cancellationToken))
                .SelectMany(w => w.PullRequests.Where(p => p.HeadSha == check.Sha).Select(p => (w.Id, p.Number))).ToList();
        }

        var results = new List<string>();
        foreach (var (taskId, number) in heads)
        {
            var feedback = await unitOfWork.WriteAsync(async (db, now) =>
            {
                var item = await db.WorkItems.Include(w => w.AssignedAgent).FirstAsync(w => w.Id == taskId, cancellationToken);
                var result = item.RecordCheck(number, check.Sha, check.Key, check.Name.Clip(199), check.Url, check.State, settings.CiFeedbackLimit, now);
                var link = item.PullRequests.First(p => p.Number == number);
                if (result == CheckFeedback.Comment)
                {
                    db.IssueOutbox.Add(new IssueOutboxEntry
                    {
                        WorkItemId = item.Id,
                        Kind = IssueChangeKind.Comment,
                        TargetNumber = number,
                        Text = FeedbackComment(settings, check, link, item.Id),
                        CreatedAt = now,
                    });
                    TaskLog.Add(db, item, LogSeverity.Warning, "pull_request",
                        $"CI failed on pull request #{number}: {check.Name}; feedback {link.FeedbackCount} of {settings.CiFeedbackLimit} posted to @{settings.Assignee}", Actor.Engine, now,
                        JsonSerializer.Serialize(new { number, run = check.Name, url = check.Url }));
                }

                await db.SaveChangesAsync(cancellationToken);
                return result;
            }, cancellationToken);

            if (feedback == CheckFeedback.Comment)
            {
                trigger.Soon();
            }
            else if (feedback == CheckFeedback.Escalate)
            {
                await EscalateAsync(taskId, number, settings, cancellationToken);
            }

            results.Add($"pull request #{number}: checks {(feedback == CheckFeedback.Stale ? "not changed (an older commit)" : Wire(check.State))}"
                + (feedback switch { CheckFeedback.Comment => ", feedback posted", CheckFeedback.Escalate => ", task escalated", _ => "" }));
        }

        return heads.Count == 0 ? $"commit {check.Sha[..Math.Min(7, check.Sha.Length)]} is the head of no pull request that works on a task" : string.Join("; ", results);
    }

    /// <summary>Merged completes the task; closed without merging fails the attempt (failure policy). Only on the change itself, never on a redelivery.</summary>
    private async Task<string> ConcludeAsync(Guid taskId, PullRequestEvent pr, PullRequestState? before, WorkItemStatus status, Actor actor, CancellationToken cancellationToken)
    {
        var linked = $"pull request #{pr.Number} ({Wire(pr.State)}) linked to task {taskId}";
        if (before == pr.State || status is WorkItemStatus.Completed or WorkItemStatus.Cancelled)
        {
            return linked;
        }

        try
        {
            if (pr.State == PullRequestState.Merged && options.CurrentValue.CompleteOnMerge)
            {
                await engine.CompleteAsync(taskId, JsonSerializer.Serialize(new { merged_pull_request = pr.Number, url = pr.Url, merged_by = pr.By, head_sha = pr.HeadSha }), actor, cancellationToken);
                return $"{linked}: task completed";
            }

            if (pr.State == PullRequestState.Closed && status is WorkItemStatus.Assigned or WorkItemStatus.InProgress or WorkItemStatus.Blocked or WorkItemStatus.Review)
            {
                var result = await engine.FailAsync(taskId, $"Pull request #{pr.Number} was closed without merging by {pr.By ?? "someone"}", null, actor, cancellationToken);
                return $"{linked}: the attempt failed ({result.Decision.Outcome.ToString().ToLowerInvariant()})";
            }
        }
        catch (RefusedException ex)
        {
            GitHubIntakeLog.PullRequestChangedNothing(logger, pr.Number, taskId, ex.Message);
            return $"{linked}: {ex.Message}";
        }

        return linked;
    }

    private async Task EscalateAsync(Guid taskId, int number, GitHubOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            await engine.EscalateAsync(taskId, $"CI kept failing on pull request #{number} after {settings.CiFeedbackLimit} feedback comments", Actor.Engine, cancellationToken);
        }
        catch (RefusedException ex)
        {
            GitHubIntakeLog.NotEscalated(logger, taskId, number, ex.Message);
        }
    }

    /// <summary>Tasks already linked to the pull request, the open tasks of the issues it closes, and the task its branch names.</summary>
    private async Task<List<Guid>> TasksOfAsync(PullRequestEvent pr, string? repository, CancellationToken cancellationToken)
    {
        var issues = PullRequestReferences.ClosedIssues($"{pr.Title}\n{pr.Body}", repository?.Trim()).ToList();
        var branchTask = PullRequestReferences.TaskOfBranch(pr.HeadBranch);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = await db.WorkItems.Where(w => w.PullRequests.Any(p => p.Number == pr.Number)
                || (w.GithubIssueNumber != null && issues.Contains(w.GithubIssueNumber.Value) && !Finished.Contains(w.Status))
                || (branchTask != null && w.Id == branchTask))
            .OrderBy(w => w.CreatedOn).Select(w => w.Id).ToListAsync(cancellationToken);
        return ids;
    }

    private static string FeedbackComment(GitHubOptions settings, CheckEvent check, PullRequestLink link, Guid taskId)
    {
        var mention = string.IsNullOrWhiteSpace(settings.Assignee) ? "" : $"@{settings.Assignee.Trim().TrimStart('@')} ";
        var where = check.Url is { } url ? $"[{check.Name}]({url})" : $"**{check.Name}** (see the [checks]({link.Url}/checks))";
        return $"{mention}CI failed on this pull request: {where} concluded failure on {check.Sha[..Math.Min(7, check.Sha.Length)]}. "
            + $"Please look at the failing run and push a fix.\n\n_OpsConsole CI feedback {link.FeedbackCount} of {settings.CiFeedbackLimit} for task {taskId}; "
            + "after that the task is escalated to a person._";
    }

    private static string Link(string url, GitHubOptions settings, int number) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps && url.Length <= 500 ? url : $"{settings.WebAddress}/{settings.Repository?.Trim()}/pull/{number}";

    public static string Wire(PullRequestState state) => WireFormat.Of(state);

    public static string Wire(CheckState state) => WireFormat.Of(state);
}
