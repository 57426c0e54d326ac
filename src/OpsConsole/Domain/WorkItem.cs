namespace OpsConsole.Domain;

/// <summary>A task (the seed's Task): something an agent should do.</summary>
public sealed class WorkItem : Entity
{
    public Guid Id { get; private set; } = Guid.NewGuid();
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

    /// <summary>Wants a GitHub issue: it lives locally until the outbox delivers it. False when the task already has one.</summary>
    public bool RequestIssue()
    {
        if (GithubIssueState != GitHubIssueState.None)
        {
            return false;
        }

        SetIssue(GitHubIssueState.Local, null, null);
        return true;
    }

    /// <summary>The outbox will deliver now that GitHub is configured.</summary>
    public void QueueIssue()
    {
        if (GithubIssueState == GitHubIssueState.Local)
        {
            SetIssue(GitHubIssueState.Pending, GithubIssueNumber, GithubIssueUrl);
        }
    }

    /// <summary>The issue exists on GitHub (created by the outbox, found by its marker, or linked by a person).</summary>
    public void LinkIssue(int number, string url) => SetIssue(GitHubIssueState.Synced, number, url);

    public void UnlinkIssue() => SetIssue(GitHubIssueState.None, null, null);

    /// <summary>GitHub refused a change for good; a person retries or unlinks.</summary>
    public void IssueDeliveryFailed() => SetIssue(GitHubIssueState.Failed, GithubIssueNumber, GithubIssueUrl);

    /// <summary>A failed delivery is tried again: back to pending (or synced when the issue itself exists).</summary>
    public void IssueDeliveryRetried() =>
        SetIssue(GithubIssueNumber is null ? GitHubIssueState.Pending : GitHubIssueState.Synced, GithubIssueNumber, GithubIssueUrl);

    private void SetIssue(GitHubIssueState state, int? number, string? url)
    {
        GithubIssueState = state;
        GithubIssueNumber = number;
        GithubIssueUrl = url;
        Raise(new WorkItemChanged(Id));
        Raise(new IssueLinked(Id));
    }

    public void Touch(DateTime now)
    {
        ModifiedOn = now;
        Raise(new WorkItemChanged(Id));
    }

    public void AssignTo(Agent agent, DateTime now)
    {
        if (!Status.IsWaiting())
        {
            throw Refused($"only a pending or escalated task can be assigned; this one is {Status.Wire()}");
        }

        if (HasUnmetDependencies)
        {
            throw Refused("the task waits for tasks it depends on to complete");
        }

        AssignedAgentId = agent.Id;
        AssignedAgent = agent;
        Status = WorkItemStatus.Assigned;
        NextAttemptAt = null;
        Touch(now);
        Raise(new WorkItemAssigned(Id, agent.Id));
    }

    public void Start(DateTime now)
    {
        if (Status == WorkItemStatus.InProgress)
        {
            return;
        }

        if (Status != WorkItemStatus.Assigned)
        {
            throw Refused($"only an assigned task can be started; this one is {Status.Wire()}");
        }

        Status = WorkItemStatus.InProgress;
        StartedAt ??= now;
        Touch(now);
    }

    public void Complete(string? outputData, DateTime now)
    {
        if (Status.IsTerminal())
        {
            throw Refused($"the task is already {Status.Wire()}");
        }

        Status = WorkItemStatus.Completed;
        CompletedAt = now;
        OutputData = outputData ?? "{}";
        NextAttemptAt = null;
        ClearAttention();
        Touch(now);
    }

    /// <summary>Marks the task failed; the failure policy then decides what happens next.</summary>
    public void Fail(string error, DateTime now)
    {
        if (Status.IsTerminal() || Status == WorkItemStatus.Failed || Status.IsWaiting())
        {
            throw Refused($"only a task an agent holds (assigned, in progress, blocked or in review) can fail; this one is {Status.Wire()}");
        }

        AvoidAgentId = AssignedAgentId;
        Status = WorkItemStatus.Failed;
        ErrorDetails = error;
        LastFailedAt = now;
        Touch(now);
    }

    /// <summary>Lets go of the agent (after a failure, a release or when the agent went offline).</summary>
    public Guid? DetachAgent(DateTime now)
    {
        var agentId = AssignedAgentId;
        AssignedAgentId = null;
        AssignedAgent = null;
        if (agentId is not null)
        {
            Touch(now);
        }

        return agentId;
    }

    /// <summary>Back to the queue after the agent gave it up or went silent: no retry is consumed.</summary>
    public void ReturnToQueue(DateTime now)
    {
        if (!Status.IsActive() && Status != WorkItemStatus.Blocked && Status != WorkItemStatus.Review)
        {
            throw Refused($"only a task an agent holds can be given back; this one is {Status.Wire()}");
        }

        AvoidAgentId = AssignedAgentId;
        DetachAgent(now);
        Status = WorkItemStatus.Pending;
        Touch(now);
    }

    /// <summary>Automatic retry after a failure: waits <paramref name="delay"/>, then any agent but the one that failed.</summary>
    public void ScheduleRetry(TimeSpan delay, DateTime now)
    {
        if (Status != WorkItemStatus.Failed)
        {
            throw Refused($"only a failed task can be retried; this one is {Status.Wire()}");
        }

        DetachAgent(now);
        RetryCount++;
        Status = WorkItemStatus.Pending;
        NextAttemptAt = now + delay;
        Touch(now);
    }

    /// <summary>A person asks for another attempt now.</summary>
    public void RetryNow(DateTime now)
    {
        if (Status != WorkItemStatus.Failed)
        {
            throw Refused($"only a failed task can be retried; this one is {Status.Wire()}");
        }

        DetachAgent(now);
        RetryCount++;
        Status = WorkItemStatus.Pending;
        NextAttemptAt = null;
        ClearAttention();
        Touch(now);
    }

    public bool CanEscalate => Priority < WorkItemPriority.Emergency;

    /// <summary>
    /// Raises the escalation level and the priority one step (up to emergency). A failed task gets a fresh retry budget
    /// and goes back to the queue as escalated; a task an agent holds keeps its agent.
    /// </summary>
    public void Escalate(DateTime now)
    {
        if (Status.IsTerminal())
        {
            throw Refused($"a {Status.Wire()} task cannot be escalated");
        }

        EscalationLevel++;
        Priority = Priority.StepUp();
        LastEscalatedAt = now;
        if (Status == WorkItemStatus.Failed)
        {
            DetachAgent(now);
            RetryCount = 0;
            NextAttemptAt = null;
            Status = WorkItemStatus.Escalated;
            ClearAttention();
        }

        Touch(now);
    }

    public void MarkTimeEscalated(DateTime now) => TimeEscalatedAt = now;

    public void FlagForPeople(string reason, DateTime now)
    {
        NeedsAttention = true;
        AttentionReason = reason;
        Touch(now);
    }

    public void ClearAttention()
    {
        NeedsAttention = false;
        AttentionReason = null;
    }

    public void Cancel(DateTime now)
    {
        if (Status.IsTerminal())
        {
            throw Refused($"the task is already {Status.Wire()}");
        }

        Status = WorkItemStatus.Cancelled;
        NextAttemptAt = null;
        ClearAttention();
        Touch(now);
    }

    public void Block(DateTime now)
    {
        if (Status is not (WorkItemStatus.Pending or WorkItemStatus.Escalated or WorkItemStatus.Assigned or WorkItemStatus.InProgress or WorkItemStatus.Review))
        {
            throw Refused($"a {Status.Wire()} task cannot be blocked");
        }

        Status = WorkItemStatus.Blocked;
        BlockedAt = now;
        TimeEscalatedAt = null;
        Touch(now);
    }

    public void Unblock(DateTime now)
    {
        if (Status != WorkItemStatus.Blocked)
        {
            throw Refused($"only a blocked task can be unblocked; this one is {Status.Wire()}");
        }

        Status = AssignedAgentId is null ? WorkItemStatus.Pending
            : StartedAt is null ? WorkItemStatus.Assigned
            : WorkItemStatus.InProgress;
        BlockedAt = null;
        TimeEscalatedAt = null;
        Touch(now);
    }

    public void SubmitForReview(DateTime now)
    {
        if (Status is not (WorkItemStatus.InProgress or WorkItemStatus.Assigned))
        {
            throw Refused($"only a task in progress can go to review; this one is {Status.Wire()}");
        }

        Status = WorkItemStatus.Review;
        Touch(now);
    }

    public void ResumeFromReview(DateTime now)
    {
        if (Status != WorkItemStatus.Review)
        {
            throw Refused($"only a task in review can go back to work; this one is {Status.Wire()}");
        }

        Status = WorkItemStatus.InProgress;
        StartedAt ??= now;
        Touch(now);
    }

    private static TransitionRefusedException Refused(string message) => new(message);

    /// <summary>
    /// Two copies of a task read at different moments are the same task. A grid keyed by its rows (MudDataGrid keys
    /// each row by its item) keeps the row, and the focus and selection in it, when the list is read again.
    /// </summary>
    public override bool Equals(object? obj) => obj is WorkItem other && other.Id == Id;

    public override int GetHashCode() => Id.GetHashCode();

    public override string ToString() => $"{Title} ({Priority}) - {Status}";
}
