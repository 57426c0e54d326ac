using OpsConsole.Domain;

namespace OpsConsole.UnitTests.TestSupport;

/// <summary>The seed's agents (reference §8, agents 1–5) and small builders for tasks, all at one fixed time.</summary>
internal static class Fixtures
{
    public static readonly DateTime Now = new(2026, 1, 31, 12, 0, 0, DateTimeKind.Utc);

    public const string Primary = "DeploymentAgent-Primary";
    public const string GitHub = "GitHubAgent-Issues";
    public const string Code = "CodeAgent-Emergency";
    public const string Monitoring = "MonitoringAgent-System";
    public const string General = "GeneralAgent-Backup";

    /// <summary>A fresh copy of the five seeded agents: available, active, no history, no load.</summary>
    public static List<Agent> SeededAgents() =>
    [
        NewAgent(Primary, AgentKind.Deployment, 5, 8.0, WorkItemKind.Deployment, WorkItemKind.SystemMonitoring),
        NewAgent(GitHub, AgentKind.Github, 10, 6.0, WorkItemKind.GithubIssue, WorkItemKind.BugFix),
        NewAgent(Code, AgentKind.Code, 3, 7.0, WorkItemKind.BugFix, WorkItemKind.CodeReview, WorkItemKind.Testing),
        NewAgent(Monitoring, AgentKind.Monitoring, 8, 5.0, WorkItemKind.SystemMonitoring, WorkItemKind.Deployment),
        NewAgent(General, AgentKind.General, 4, 4.0, WorkItemKind.Deployment, WorkItemKind.BugFix, WorkItemKind.GithubIssue),
    ];

    public static Agent NewAgent(string name, AgentKind kind, int maxConcurrentTasks, double priorityWeight, params WorkItemKind[] capabilities) => new()
    {
        Name = name,
        Kind = kind,
        MaxConcurrentTasks = maxConcurrentTasks,
        PriorityWeight = priorityWeight,
        Capabilities = [.. capabilities],
        CreatedOn = Now,
        ModifiedOn = Now,
    };

    public static Agent Named(this IEnumerable<Agent> agents, string name) => agents.Single(a => a.Name == name);

    /// <summary>Makes the agent hold <paramref name="count"/> more tasks.</summary>
    public static Agent Holding(this Agent agent, int count)
    {
        for (var i = 0; i < count; i++)
        {
            agent.TakeTask(Now);
        }

        return agent;
    }

    public static Agent AtCapacity(this Agent agent) => agent.Holding(agent.MaxConcurrentTasks - agent.ActiveTaskCount);

    public static WorkItem NewWorkItem(WorkItemKind kind, WorkItemPriority priority = WorkItemPriority.Medium, string? environment = null)
    {
        var item = new WorkItem
        {
            Title = $"{kind} work",
            Description = "unit test",
            Kind = kind,
            Environment = environment,
            CreatedOn = Now,
            ModifiedOn = Now,
        };
        if (priority != item.Priority)
        {
            item.SetPriority(priority, Now);
        }

        return item;
    }

    /// <summary>A task that an agent failed after <paramref name="retries"/> scheduled retries (so RetryCount == retries).</summary>
    public static WorkItem FailedAfterRetries(int retries, WorkItemPriority priority = WorkItemPriority.Medium, Agent? agent = null)
    {
        agent ??= NewAgent("Worker", AgentKind.General, 3, 1.0);
        var item = NewWorkItem(WorkItemKind.Deployment, priority);
        for (var i = 0; i < retries; i++)
        {
            item.AssignTo(agent, Now);
            item.Fail("exit code 1", Now);
            item.ScheduleRetry(TimeSpan.Zero, Now);
        }

        item.AssignTo(agent, Now);
        item.Fail("exit code 1", Now);
        return item;
    }

    public static WorkItem AssignedTo(this WorkItem item, Agent agent)
    {
        item.AssignTo(agent, Now);
        return item;
    }
}
