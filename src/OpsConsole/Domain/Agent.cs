namespace OpsConsole.Domain;

public sealed class Agent : Entity
{
    public const int RecentWindow = 20;
    public const double SuccessRateFloor = 0.25;

    public Guid Id { get; private set; } = NewId.Next();
    public string Name { get; set; } = "";
    public AgentKind Kind { get; set; }
    public AgentStatus Status { get; private set; } = AgentStatus.Available;
    public List<WorkItemKind> Capabilities { get; set; } = [];
    public List<string> Environments { get; set; } = [];
    public int MaxConcurrentTasks { get; set; } = 3;
    public double PriorityWeight { get; set; } = 1.0;
    public TimeSpan AverageCompletionTime { get; private set; } = TimeSpan.FromHours(1);
    public DateTime? LastHeartbeat { get; private set; }
    public string? LastSeenIp { get; private set; }
    public string? EndpointUrl { get; set; }
    public string Configuration { get; set; } = "{}";
    public int TotalTasksCompleted { get; private set; }
    public int TotalTasksFailed { get; private set; }

    /// <summary>The last <see cref="RecentWindow"/> outcomes, oldest first: 'S' completed, 'F' failed.</summary>
    public string RecentOutcomes { get; private set; } = "";
    public bool IsActive { get; private set; } = true;

    /// <summary>Tasks the agent holds (assigned or in progress); kept by the engine in the same transaction as the task.</summary>
    public int ActiveTaskCount { get; private set; }
    public string? TokenHash { get; private set; }
    public DateTime CreatedOn { get; set; }
    public DateTime ModifiedOn { get; set; }

    /// <summary>Share of completed tasks among the recent outcomes (1.0 with no history).</summary>
    public double SuccessRate
    {
        get
        {
            if (RecentOutcomes.Length == 0)
            {
                return 1.0;
            }

            var successes = 0;
            foreach (var c in RecentOutcomes)
            {
                if (c == 'S')
                {
                    successes++;
                }
            }

            return (double)successes / RecentOutcomes.Length;
        }
    }

    public bool HasHistory => TotalTasksCompleted + TotalTasksFailed > 0;

    public double Load => MaxConcurrentTasks <= 0 ? 1 : Math.Min(1.0, (double)ActiveTaskCount / MaxConcurrentTasks);

    /// <summary>
    /// The original's efficiency score, with the success rate taken over a recent window and floored,
    /// so one early failure no longer shuts an agent out for ever.
    /// </summary>
    public double EfficiencyScore => HasHistory
        ? PriorityWeight * Math.Max(SuccessRateFloor, SuccessRate) * (1 - Load)
        : PriorityWeight;

    public bool IsAvailableForAssignment =>
        IsActive && Status == AgentStatus.Available && ActiveTaskCount < MaxConcurrentTasks;

    public void Touch(DateTime now)
    {
        ModifiedOn = now;
        Raise(new AgentChanged(Id));
    }

    public void SetTokenHash(string hash, DateTime now)
    {
        TokenHash = hash;
        Touch(now);
    }

    public void TakeTask(DateTime now)
    {
        ActiveTaskCount++;
        FollowLoad();
        Touch(now);
    }

    public void ReleaseTask(DateTime now)
    {
        ActiveTaskCount = Math.Max(0, ActiveTaskCount - 1);
        FollowLoad();
        Touch(now);
    }

    /// <summary>Reconciles the held-task count with what the database says; true when it was off.</summary>
    public bool ReconcileLoad(int actualActiveTasks, DateTime now)
    {
        var before = (ActiveTaskCount, Status);
        ActiveTaskCount = actualActiveTasks;
        FollowLoad();
        if (before == (ActiveTaskCount, Status))
        {
            return false;
        }

        Touch(now);
        return true;
    }

    public void RecordOutcome(bool completed, TimeSpan? duration, DateTime now)
    {
        if (completed)
        {
            TotalTasksCompleted++;
            if (duration is { } d && d > TimeSpan.Zero)
            {
                // Exponentially weighted: recent work matters most, but one outlier does not replace the average.
                AverageCompletionTime = TotalTasksCompleted == 1
                    ? d
                    : TimeSpan.FromSeconds((0.3 * d.TotalSeconds) + (0.7 * AverageCompletionTime.TotalSeconds));
            }
        }
        else
        {
            TotalTasksFailed++;
        }

        var outcomes = RecentOutcomes + (completed ? 'S' : 'F');
        RecentOutcomes = outcomes.Length > RecentWindow ? outcomes[^RecentWindow..] : outcomes;
        Touch(now);
    }

    /// <summary>A heartbeat: the agent is alive. An offline agent that is still active comes back.</summary>
    public void Heartbeat(DateTime now, string? ip)
    {
        LastHeartbeat = now;
        if (ip is not null)
        {
            LastSeenIp = ip;
        }

        if (IsActive && Status == AgentStatus.Offline)
        {
            Status = AgentStatus.Available;
            FollowLoad();
        }

        Touch(now);
    }

    /// <summary>An agent expected to work (available or busy) that has not been heard from within the timeout.
    /// Agents in maintenance or error are left as an admin set them.</summary>
    public bool IsHeartbeatStale(DateTime now, TimeSpan timeout) =>
        Status is AgentStatus.Available or AgentStatus.Busy && (LastHeartbeat ?? CreatedOn) < now - timeout;

    public void MarkOffline(DateTime now)
    {
        Status = AgentStatus.Offline;
        Touch(now);
    }

    public void Activate(DateTime now)
    {
        IsActive = true;
        Status = AgentStatus.Available;
        FollowLoad();
        Touch(now);
    }

    public void Deactivate(DateTime now)
    {
        IsActive = false;
        Status = AgentStatus.Offline;
        Touch(now);
    }

    public void SetStatus(AgentStatus status, DateTime now)
    {
        Status = status;
        if (status is AgentStatus.Available or AgentStatus.Busy)
        {
            FollowLoad();
        }

        Touch(now);
    }

    /// <summary>Busy and available follow the load: busy exactly when at capacity.</summary>
    private void FollowLoad()
    {
        if (Status == AgentStatus.Available && ActiveTaskCount >= MaxConcurrentTasks)
        {
            Status = AgentStatus.Busy;
        }
        else if (Status == AgentStatus.Busy && ActiveTaskCount < MaxConcurrentTasks)
        {
            Status = AgentStatus.Available;
        }
    }

    public void CapacityChanged(DateTime now)
    {
        FollowLoad();
        Touch(now);
    }

    public override string ToString() => $"{Name} ({Kind})";
}
