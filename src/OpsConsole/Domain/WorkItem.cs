namespace OpsConsole.Domain;

/// <summary>A task (the seed's Task): something an agent should do.</summary>
public sealed partial class WorkItem : Entity
{
    public Guid Id { get; private set; } = NewId.Next();
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public WorkItemKind Kind { get; set; }
    public WorkItemPriority Priority { get; private set; } = WorkItemPriority.Medium;
    public WorkItemStatus Status { get; private set; } = WorkItemStatus.Pending;
    public Guid? AssignedAgentId { get; private set; }
    public Agent? AssignedAgent { get; private set; }
    public DateTime? DueDate { get; set; }
    public TimeSpan EstimatedDuration { get; set; } = TimeSpan.FromHours(1);
    public DateTime? StartedAt { get; private set; }
    public DateTime? CompletedAt { get; private set; }
    public string InputData { get; set; } = "{}";
    public string OutputData { get; private set; } = "{}";
    public string? ErrorDetails { get; private set; }
    public List<WorkItem> DependsOn { get; set; } = [];
    public List<WorkItem> DependentTasks { get; set; } = [];
    public int? GithubIssueNumber { get; set; }
    public string? GithubIssueUrl { get; set; }
    public GitHubIssueState GithubIssueState { get; set; } = GitHubIssueState.None;
    public int RetryCount { get; private set; }
    public int MaxRetries { get; set; } = 3;
    public int EscalationLevel { get; private set; }
    public bool AutoAssign { get; set; } = true;
    public bool AutoRetry { get; set; } = true;
    public bool AutoEscalate { get; set; } = true;
    public DateTime CreatedOn { get; set; }
    public DateTime ModifiedOn { get; set; }
    public string Owner { get; set; } = "orchestration_system";
    public string CreatedBy { get; set; } = "orchestration_system";
    public string ModifiedBy { get; set; } = "orchestration_system";

    public string? Environment { get; set; }
    public string? Source { get; set; }
    public string? Fingerprint { get; set; }
    public int Occurrences { get; set; } = 1;
    public DateTime? FirstSeen { get; set; }
    public DateTime? LastSeen { get; set; }

    /// <summary>When a scheduled retry may be assigned again; null when the task may go now.</summary>
    public DateTime? NextAttemptAt { get; private set; }

    /// <summary>Set when automation has run out of options and a person must look.</summary>
    public bool NeedsAttention { get; private set; }
    public string? AttentionReason { get; private set; }
    public Guid? RegressionOfId { get; set; }

    /// <summary>The agent that last failed or dropped the task: the next assignment avoids it when another agent fits.</summary>
    public Guid? AvoidAgentId { get; private set; }
    public DateTime? LastFailedAt { get; private set; }
    public DateTime? BlockedAt { get; private set; }
    public DateTime? LastEscalatedAt { get; private set; }

    /// <summary>When time-based escalation last fired (overdue or blocked), so it fires once per period.</summary>
    public DateTime? TimeEscalatedAt { get; private set; }

    public bool IsOverdue(DateTime now) => DueDate is { } due && now > due && !Status.IsTerminal();

    public bool HasUnmetDependencies => DependsOn.Any(d => d.Status != WorkItemStatus.Completed);

    public bool CanBeAssigned(DateTime now) =>
        Status.IsWaiting() && AssignedAgentId is null && !HasUnmetDependencies && (NextAttemptAt is null || NextAttemptAt <= now);

    public bool CanRetry => Status == WorkItemStatus.Failed;

    /// <summary>The original's display score: rank, +2 overdue (or +1 due within the hour), +0.5 per escalation level.</summary>
    public double PriorityScore(DateTime now)
    {
        double score = (int)Priority;
        if (DueDate is { } due && !Status.IsTerminal())
        {
            if (now > due)
            {
                score += 2;
            }
            else if (due - now <= TimeSpan.FromHours(1))
            {
                score += 1;
            }
        }

        return score + (0.5 * EscalationLevel);
    }

    public TimeSpan DurationSoFar(DateTime now) =>
        StartedAt is { } started ? (CompletedAt ?? now) - started : TimeSpan.Zero;

    public void SetPriority(WorkItemPriority priority, DateTime now)
    {
        Priority = priority;
        Touch(now);
    }

    /// <summary>The same problem was reported again (<paramref name="times"/> times) while this task is open.</summary>
    public void RecordOccurrence(DateTime now, int times = 1)
    {
        if (times < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(times), times, "an occurrence happens at least once");
        }

        Occurrences += times;
        FirstSeen ??= now;
        LastSeen = now;
        Touch(now);
    }

    public void Touch(DateTime now)
    {
        ModifiedOn = now;
        Raise(new WorkItemChanged(Id));
    }

    /// <summary>
    /// Two copies of a task read at different moments are the same task. A grid keyed by its rows (MudDataGrid keys
    /// each row by its item) keeps the row, and the focus and selection in it, when the list is read again.
    /// </summary>
    public override bool Equals(object? obj) => obj is WorkItem other && other.Id == Id;

    public override int GetHashCode() => Id.GetHashCode();

    public override string ToString() => $"{Title} ({Priority}) - {Status}";
}
