namespace OpsConsole.Domain;

/// <summary>
/// A task's checked transitions (assign, start, complete, fail, give back, retry, escalate, cancel, block, review): each refuses
/// what its current status does not allow and touches the task, so the change is published after the commit.
/// </summary>
public sealed partial class WorkItem
{
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
        ForgetRun();
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
        BeginRun(now);
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

    /// <summary>
    /// Takes an assigned or in-progress task from its agent so a person can give it to another (the original's assign with an
    /// agent_id): back to the queue, and the agent that held it is told why.
    /// </summary>
    public Guid TakeFromAgent(string reason, DateTime now)
    {
        if (Status is not (WorkItemStatus.Assigned or WorkItemStatus.InProgress) || AssignedAgentId is not { } holder)
        {
            throw Refused($"only an assigned or in-progress task can be taken from its agent; this one is {Status.Wire()}");
        }

        ReturnToQueue(now);
        Raise(new WorkItemRevoked(Id, holder, reason));
        return holder;
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
        NoteReport(now);
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
        RunStartedAt ??= now;
        NoteReport(now);
        Touch(now);
    }

    private static TransitionRefusedException Refused(string message) => new(message);
}
