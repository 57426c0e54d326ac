using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Integrations.GitHub;

/// <summary>
/// Turns task changes into GitHub outbox rows inside the same save, so a task change and what it means for its issue
/// commit together or not at all. Plugged into every save at <see cref="SaveStage.Derive"/> (<see cref="GitHubServices.AddOpsGitHub"/>),
/// before the audit trail and the events (it may ask for an issue, which they record).
/// </summary>
public sealed class IssueOutboxWriter(IOptionsMonitor<GitHubOptions> options, TimeProvider time, IIssueDeliveryTrigger trigger, DomainEventInterceptor commits) : SaveInterceptor
{
    protected override void Saving(DbContext context)
    {
        var settings = options.CurrentValue;
        var now = time.GetUtcNow().UtcDateTime;
        var added = 0;
        foreach (var entry in context.ChangeTracker.Entries<WorkItem>().Where(e => e.State is EntityState.Added or EntityState.Modified).ToList())
        {
            var item = entry.Entity;
            var issueState = item.GithubIssueState;
            var before = entry.State == EntityState.Added ? null : Before(entry);
            if (IssuePolicy.ShouldOpen(before, IssueFacts.Of(item), settings.Triggers))
            {
                item.RequestIssue();
            }

            foreach (var change in IssuePolicy.Decide(before, IssueFacts.Of(item), settings.Triggers, item.Id))
            {
                context.Add(new IssueOutboxEntry
                {
                    WorkItemId = item.Id,
                    Kind = change.Kind,
                    Text = change.Text,
                    CoalesceKey = change.CoalesceKey,
                    Reason = change.Reason,
                    CreatedAt = now,
                });
                added++;
            }

            if (settings.IsConfigured)
            {
                item.QueueIssue();
            }

            if (item.GithubIssueState != issueState)
            {
                entry.DetectChanges(); // the save does not compare rows again (OpsDbContext.DetectChangesOnce)
            }
        }

        if (added > 0)
        {
            StateOf<Wrote>(context).Rows = true;
        }
    }

    protected override void Saved(DbContext context)
    {
        if (FindStateOf<Wrote>(context) is { Rows: true } wrote)
        {
            wrote.Rows = false;
            commits.AfterCommit(context, trigger.Soon); // the delivery reads committed rows only
        }
    }

    public override void Forget(DbContext context)
    {
        if (FindStateOf<Wrote>(context) is { } wrote)
        {
            wrote.Rows = false;
        }
    }

    /// <summary>Whether the context's save under way wrote outbox rows (a delivery pass is asked for once they commit).</summary>
    private sealed class Wrote
    {
        public bool Rows { get; set; }
    }

    private static IssueFacts Before(EntityEntry<WorkItem> entry)
    {
        var values = entry.Values();
        T Old<T>(string name) => (T)values.GetOriginalValue(entry.Metadata.FindProperty(name)!)!;
        return new IssueFacts(
            Old<WorkItemStatus>(nameof(WorkItem.Status)),
            Old<WorkItemPriority>(nameof(WorkItem.Priority)),
            Old<int>(nameof(WorkItem.EscalationLevel)),
            Old<int>(nameof(WorkItem.RetryCount)),
            Old<int>(nameof(WorkItem.MaxRetries)),
            Old<Guid?>(nameof(WorkItem.AssignedAgentId)),
            null,
            Old<Guid?>(nameof(WorkItem.AvoidAgentId)),
            Old<DateTime?>(nameof(WorkItem.NextAttemptAt)),
            Old<string?>(nameof(WorkItem.ErrorDetails)),
            Old<bool>(nameof(WorkItem.NeedsAttention)),
            Old<string?>(nameof(WorkItem.AttentionReason)),
            Old<int>(nameof(WorkItem.Occurrences)),
            Old<DateTime?>(nameof(WorkItem.LastSeen)),
            Old<GitHubIssueState>(nameof(WorkItem.GithubIssueState)),
            Old<int?>(nameof(WorkItem.GithubIssueNumber)),
            Old<Guid?>(nameof(WorkItem.RegressionOfId)));
    }
}

/// <summary>Asks for a delivery pass soon (after a commit that wrote outbox rows); Hangfire in the app, nothing in unit tests.</summary>
public interface IIssueDeliveryTrigger
{
    void Soon();

    void At(DateTime utc);
}

public sealed class NoIssueDeliveryTrigger : IIssueDeliveryTrigger
{
    public void Soon()
    {
    }

    public void At(DateTime utc)
    {
    }
}
