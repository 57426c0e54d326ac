using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.Features.GitHub;

/// <summary>What taking one issue in did.</summary>
public sealed record IntakeOutcome(int IssueNumber, Guid? TaskId, bool Created, string Message);

/// <summary>
/// GitHub issues as intake: an open issue carrying GitHub:IntakeLabel becomes one task (source github_issue, linked to the
/// issue, so no second issue is opened for it), through the issues webhook and a safety-net poll. The database keeps it to
/// one task per issue (a unique index on the intake's issue number), whichever of the webhook and the poll, on whichever
/// node, gets there first. Edits of the issue follow onto the task.
/// </summary>
public sealed class GitHubIntake(
    UnitOfWork unitOfWork,
    IDbContextFactory<OpsDbContext> dbFactory,
    TaskCreation creation,
    AssignmentDispatcher dispatcher,
    IIssueTracker tracker,
    IOptionsMonitor<GitHubOptions> options,
    ConsoleLinks links,
    ILogger<GitHubIntake> logger)
{
    /// <summary>An issues webhook (opened, labeled, reopened take the issue in; edited and labeled follow onto its task).</summary>
    public async Task<string> IssueEventAsync(string action, IncomingIssue issue, string? addedLabel, string? by, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var actor = new Actor($"github:{by ?? "unknown"}", ActorKind.External);
        var labelled = IssueIntake.HasLabel(issue.Labels, settings.IntakeLabel);
        if (action is "opened" or "labeled" or "reopened" && labelled && issue.IsOpen)
        {
            var outcome = await TakeInAsync(issue, actor, cancellationToken);
            if (outcome.Created || action != "labeled" || outcome.TaskId is not { } existing)
            {
                return outcome.Message;
            }

            return await FollowAsync(existing, issue.Number, null, null, addedLabel, actor, cancellationToken);
        }

        if (action is "edited" or "labeled")
        {
            await using var read = await dbFactory.CreateDbContextAsync(cancellationToken);
            var taskId = await read.WorkItems.Where(w => w.GithubIssueNumber == issue.Number && w.Source == IssueIntake.Source)
                .Select(w => (Guid?)w.Id).FirstOrDefaultAsync(cancellationToken);
            return taskId is { } id
                ? await FollowAsync(id, issue.Number, action == "edited" ? issue.Title : null, action == "edited" ? issue.Body : null, action == "labeled" ? addedLabel : null, actor, cancellationToken)
                : $"issue #{issue.Number} is not a task (it needs the label {settings.IntakeLabel})";
        }

        return labelled ? $"'{action}' on issue #{issue.Number} changes nothing here" : $"issue #{issue.Number} does not carry {settings.IntakeLabel}";
    }

    /// <summary>The safety net: every open issue with the intake label that has no task gets one. Returns how many were created.</summary>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (!settings.IsConfigured)
        {
            return 0;
        }

        var issues = await tracker.OpenIssuesLabelledAsync(settings.IntakeLabel.Trim(), cancellationToken);
        var created = 0;
        foreach (var issue in issues)
        {
            var outcome = await TakeInAsync(issue, new Actor("github_intake_poll", ActorKind.Engine), cancellationToken);
            created += outcome.Created ? 1 : 0;
        }

        if (created > 0)
        {
            GitHubIntakeLog.Polled(logger, created, issues.Count);
        }

        return created;
    }

    /// <summary>The issue's task, created now unless some task already has the issue.</summary>
    public async Task<IntakeOutcome> TakeInAsync(IncomingIssue issue, Actor actor, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var url = settings.IsIssueLink(issue.Url) ? issue.Url : settings.IssueUrl(issue.Number);
        var (kind, priority) = IssueIntake.Classify(issue.Labels);
        var spec = new NewWorkItem
        {
            Title = string.IsNullOrWhiteSpace(issue.Title) ? $"GitHub issue #{issue.Number}" : issue.Title.Trim().Clip(WorkItemEndpoints.MaxTitle - 1),
            Description = issue.Body.Clip(WorkItemEndpoints.MaxDescription - 1),
            Kind = kind ?? IssueIntake.DefaultKind,
            Priority = priority ?? IssueIntake.DefaultPriority,
            Source = IssueIntake.Source,
            GithubIssueNumber = issue.Number,
            GithubIssueUrl = url,
        }.Redacted();

        var outcome = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var existing = await db.WorkItems.Where(w => w.GithubIssueNumber == issue.Number)
                .OrderBy(w => w.Source == IssueIntake.Source ? 0 : 1).ThenBy(w => w.CreatedOn).Select(w => (Guid?)w.Id).FirstOrDefaultAsync(cancellationToken);
            if (existing is { } id)
            {
                return new IntakeOutcome(issue.Number, id, false, $"issue #{issue.Number} is already task {id}");
            }

            var item = await creation.AddTaskAsync(db, spec, actor, now, cancellationToken);
            var branch = PullRequestReferences.BranchFor(item.Id);
            item.InputData = JsonSerializer.Serialize(new { github_issue_number = issue.Number, github_issue_url = url, labels = issue.Labels, branch });
            TaskLog.Add(db, item, LogSeverity.Info, "github_issue", $"Taken in from GitHub issue #{issue.Number} ({settings.IntakeLabel}): {url}", actor, now,
                JsonSerializer.Serialize(new { github_issue_number = issue.Number, github_issue_url = url }));
            db.IssueOutbox.Add(new IssueOutboxEntry
            {
                WorkItemId = item.Id,
                Kind = IssueChangeKind.Comment,
                Text = $"🤖 OpsConsole took this issue in as [task {item.Id}]({links.Task(item.Id)}). "
                    + $"A pull request that says `Fixes #{issue.Number}` (or Closes / Resolves), or one pushed on the branch `{branch}`, "
                    + "is followed by the task: its checks are watched, and merging it completes the task.",
                CreatedAt = now,
            });
            await creation.CommitCreatedAsync(db, [item], now, cancellationToken);
            return new IntakeOutcome(issue.Number, item.Id, true, $"issue #{issue.Number} became task {item.Id}");
        }, WriteLane.NewWork, cancellationToken);

        if (outcome.Created)
        {
            GitHubIntakeLog.IssueBecameTask(logger, issue.Number, outcome.TaskId);
            await dispatcher.DispatchAsync();
        }

        return outcome;
    }

    private async Task<string> FollowAsync(Guid taskId, int number, string? title, string? body, string? addedLabel, Actor actor, CancellationToken cancellationToken)
    {
        var (kind, priority) = addedLabel is null ? (null, null) : IssueIntake.Classify([addedLabel]);
        if (title is null && body is null && kind is null && priority is null)
        {
            return $"issue #{number}: nothing the task follows changed";
        }

        var newTitle = string.IsNullOrWhiteSpace(title) ? null : TaskCreation.RedactedTitle(title.Trim().Clip(WorkItemEndpoints.MaxTitle - 1));
        var newBody = body is null ? null : Redactor.Redact(body.Clip(WorkItemEndpoints.MaxDescription - 1));
        return await unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = await db.WorkItems.Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);
            if (item is null || item.Status.IsTerminal())
            {
                return $"issue #{number}: its task is {(item is null ? "gone" : item.Status.Wire())}; nothing changed";
            }

            if (!item.FollowIssue(newTitle, newBody, kind, priority, now))
            {
                return $"issue #{number}: task {item.Id} already matches";
            }

            item.ModifiedBy = actor.Name;
            TaskLog.Add(db, item, LogSeverity.Info, "updated", $"Follows its GitHub issue #{number}, edited by {actor.Name}", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return $"issue #{number}: task {item.Id} updated";
        }, cancellationToken);
    }
}
