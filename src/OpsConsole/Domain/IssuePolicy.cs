using System.Globalization;

namespace OpsConsole.Domain;

/// <summary>What the issue policy needs to know about a task at one moment: before a save and after it.</summary>
public sealed record IssueFacts(
    WorkItemStatus Status,
    WorkItemPriority Priority,
    int EscalationLevel,
    int RetryCount,
    int MaxRetries,
    Guid? AssignedAgentId,
    string? AgentName,
    Guid? AvoidAgentId,
    DateTime? NextAttemptAt,
    string? ErrorDetails,
    bool NeedsAttention,
    string? AttentionReason,
    int Occurrences,
    DateTime? LastSeen,
    GitHubIssueState IssueState,
    int? IssueNumber,
    Guid? RegressionOfId)
{
    public static IssueFacts Of(WorkItem w) => new(
        w.Status, w.Priority, w.EscalationLevel, w.RetryCount, w.MaxRetries, w.AssignedAgentId, w.AssignedAgent?.Name, w.AvoidAgentId,
        w.NextAttemptAt, w.ErrorDetails, w.NeedsAttention, w.AttentionReason, w.Occurrences, w.LastSeen, w.GithubIssueState,
        w.GithubIssueNumber, w.RegressionOfId);
}

/// <summary>Which lifecycle moments give a task that has no issue yet its issue (GitHub:OpenIssuesFor). Creation is a task_creation rule.</summary>
public sealed record IssueTriggers(bool Escalations = true, bool FailedCritical = true);

/// <summary>One change for the outbox, before it becomes a row.</summary>
public sealed record IssueChange(IssueChangeKind Kind, string Text = "", string? CoalesceKey = null, string? Reason = null);

/// <summary>
/// Decides what a task change means for its GitHub issue: open one (an escalation, a critical task failed for good, a rule
/// or a person asked), comment on a retry, an escalation, a reassignment, a final failure or new occurrences, sync the labels,
/// close on completion or cancellation, reopen when the task comes back. Pure: the outbox writer turns the answer into rows.
/// </summary>
public static class IssuePolicy
{
    public static IReadOnlyList<IssueChange> Decide(IssueFacts? before, IssueFacts after, IssueTriggers triggers, Guid? regressionIssueTask = null)
    {
        if (after.IssueState == GitHubIssueState.None)
        {
            return [];
        }

        // Just asked for (a rule at creation, a person, or a trigger below turned it on): the issue is created from the
        // task as it is when delivered, so nothing before it needs a comment.
        if (before is null || before.IssueState == GitHubIssueState.None)
        {
            if (after.IssueNumber is null)
            {
                return [new IssueChange(IssueChangeKind.Open)];
            }

            // An existing issue: a regression reopens it; a link (bug report, a person) introduces the task to it.
            return after.RegressionOfId is { } old
                ? [new IssueChange(IssueChangeKind.Reopen, $"🔁 **Regression**: the problem came back after task {old} was completed. Follow-up task: {regressionIssueTask}."), new IssueChange(IssueChangeKind.Labels)]
                : [new IssueChange(IssueChangeKind.Comment, "🔗 This issue is now tracked by OpsConsole; the task's progress will be posted here."), new IssueChange(IssueChangeKind.Labels)];
        }

        var changes = new List<IssueChange>();
        var labels = before.Priority != after.Priority || before.Status != after.Status;

        if (after.EscalationLevel > before.EscalationLevel)
        {
            changes.Add(new IssueChange(IssueChangeKind.Comment,
                $"⬆️ **Escalated** to level {after.EscalationLevel}; priority is now **{after.Priority.Wire()}**{(before.Priority != after.Priority ? $" (was {before.Priority.Wire()})" : "")}."));
        }

        if (after.RetryCount > before.RetryCount)
        {
            var when = after.NextAttemptAt is { } at ? $" at {Stamp(at)}" : " now";
            changes.Add(new IssueChange(IssueChangeKind.Comment,
                $"🔁 **Retry {after.RetryCount} of {after.MaxRetries}** scheduled{when}{Because(after.ErrorDetails)}"));
        }

        if (after.Status == WorkItemStatus.Failed && after.NeedsAttention && !before.NeedsAttention)
        {
            changes.Add(new IssueChange(IssueChangeKind.Comment,
                $"❌ **Failed and needs a person**: {after.AttentionReason ?? "automation has run out of options"}.{Because(after.ErrorDetails)}"));
        }

        if (after.AssignedAgentId is not null && after.AssignedAgentId != before.AssignedAgentId
            && (before.AssignedAgentId is not null || after.AvoidAgentId is not null || after.RetryCount > 0))
        {
            changes.Add(new IssueChange(IssueChangeKind.Comment, $"👤 **Reassigned** to {after.AgentName ?? "another agent"}."));
        }

        if (after.Occurrences > before.Occurrences)
        {
            changes.Add(new IssueChange(IssueChangeKind.Comment,
                $"📈 Seen again: **{after.Occurrences.ToString(CultureInfo.InvariantCulture)} occurrences** so far{(after.LastSeen is { } last ? $", the last at {Stamp(last)}" : "")}.",
                CoalesceKey: "occurrences"));
        }

        if (after.Status.IsTerminal() && !before.Status.IsTerminal())
        {
            changes.Add(after.Status == WorkItemStatus.Completed
                ? new IssueChange(IssueChangeKind.Close, $"✅ **Completed**{(after.AgentName is { } agent ? $" by {agent}" : "")}. {Summary(after)}", Reason: "completed")
                : new IssueChange(IssueChangeKind.Close, $"🚫 **Cancelled**. {Summary(after)}", Reason: "not_planned"));
            return changes;
        }

        if (before.Status.IsTerminal() && !after.Status.IsTerminal())
        {
            changes.Add(new IssueChange(IssueChangeKind.Reopen, $"↩️ **Reopened**: the task is {after.Status.Wire()} again."));
        }

        if (labels)
        {
            changes.Add(new IssueChange(IssueChangeKind.Labels));
        }

        return changes;
    }

    /// <summary>Whether a task with no issue should get one because of this change (escalations, critical work failed for good).</summary>
    public static bool ShouldOpen(IssueFacts? before, IssueFacts after, IssueTriggers triggers) =>
        after.IssueState == GitHubIssueState.None && before is not null
        && ((triggers.Escalations && after.EscalationLevel > before.EscalationLevel)
            || (triggers.FailedCritical && after.Status == WorkItemStatus.Failed && after.NeedsAttention && !before.NeedsAttention
                && after.Priority >= WorkItemPriority.Critical));

    private static string Summary(IssueFacts t) =>
        $"Retries: {t.RetryCount}, escalation level: {t.EscalationLevel}, occurrences: {t.Occurrences}.";

    private static string Because(string? error) =>
        string.IsNullOrWhiteSpace(error) ? "" : $"\n\n```text\n{Redactor.Redact(error.Clip(1500))}\n```";

    /// <summary>How issue texts write a time.</summary>
    public static string Stamp(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
