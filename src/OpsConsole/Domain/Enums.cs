namespace OpsConsole.Domain;

/// <summary>Task priority. The numeric value is the rank used for every ordering (emergency first).</summary>
public enum WorkItemPriority
{
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
    Emergency = 5,
}

public enum WorkItemStatus
{
    Pending,
    Assigned,
    InProgress,
    Blocked,
    Review,
    Completed,
    Failed,
    Cancelled,
    Escalated,
}

/// <summary>The seed's task types (wire name <c>task_type</c>).</summary>
public enum WorkItemKind
{
    Deployment,
    BugFix,
    FeatureDevelopment,
    SystemMonitoring,
    DataProcessing,
    GithubIssue,
    CodeReview,
    Testing,
    Documentation,
    Maintenance,
    TaskDiscovery,
    ApplicationAnalysis,
    PerformanceOptimization,
    SecurityEnhancement,
    UxImprovement,
}

public enum AgentKind
{
    Deployment,
    Code,
    Testing,
    Monitoring,
    Github,
    General,
    Discovery,
}

public enum AgentStatus
{
    Available,
    Busy,
    Offline,
    Maintenance,
    Error,
}

public enum RuleKind
{
    TaskCreation,
    TaskAssignment,
    TaskEscalation,
    AgentSelection,
    FailureHandling,
    Monitoring,

    /// <summary>Tells people outside the console (a webhook: Slack, Teams, Mattermost or any HTTP endpoint) about a task's events.</summary>
    Notification,
}

/// <summary>Health of one sample or of the whole system (wire: healthy, warning, critical, unknown).</summary>
public enum HealthState
{
    Healthy,
    Warning,
    Critical,
    Unknown,
}

/// <summary>Severity of an execution-log entry; on the wire in upper case (INFO, ERROR…).</summary>
public enum LogSeverity
{
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

/// <summary>Who did something: recorded on every log entry and assignment.</summary>
public enum ActorKind
{
    Engine,
    User,
    ApiKey,
    Agent,

    /// <summary>Someone outside the console acting through an integration, e.g. a GitHub user closing a task's issue.</summary>
    External,
}

public enum GitHubIssueState
{
    None,
    Local,
    Pending,
    Synced,
    Failed,
}

public static class WorkItemStatuses
{
    /// <summary>Statuses in which an agent holds the task.</summary>
    public static bool IsActive(this WorkItemStatus status) => status is WorkItemStatus.Assigned or WorkItemStatus.InProgress;

    /// <summary>Finished for good: nothing happens to it any more unless a person reopens it.</summary>
    public static bool IsTerminal(this WorkItemStatus status) => status is WorkItemStatus.Completed or WorkItemStatus.Cancelled;

    /// <summary>Waiting for an agent.</summary>
    public static bool IsWaiting(this WorkItemStatus status) => status is WorkItemStatus.Pending or WorkItemStatus.Escalated;
}

public static class WorkItemPriorities
{
    public static WorkItemPriority StepUp(this WorkItemPriority priority) =>
        priority == WorkItemPriority.Emergency ? priority : priority + 1;

    public static string Label(this WorkItemPriority priority) => priority.ToString();
}
