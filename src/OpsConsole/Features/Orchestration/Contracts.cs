using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>Everything needed to create a task; validated by the caller.</summary>
public sealed record NewWorkItem
{
    public required string Title { get; init; }
    public string Description { get; init; } = "";
    public required WorkItemKind Kind { get; init; }
    public WorkItemPriority Priority { get; init; } = WorkItemPriority.Medium;
    public DateTime? DueDate { get; init; }
    public TimeSpan EstimatedDuration { get; init; } = TimeSpan.FromHours(1);
    public string InputData { get; init; } = "{}";
    public bool AutoAssign { get; init; } = true;
    public bool AutoRetry { get; init; } = true;
    public bool AutoEscalate { get; init; } = true;
    public int MaxRetries { get; init; } = 3;
    public IReadOnlyList<Guid> DependsOn { get; init; } = [];
    public string? Environment { get; init; }
    public string? Source { get; init; }
    public string? Fingerprint { get; init; }
    public string? Owner { get; init; }
    public int? GithubIssueNumber { get; init; }

    /// <summary>A run longer than this is revoked and counts as a failure; null: no cap.</summary>
    public int? MaxRunMinutes { get; init; }

    /// <summary>The most the task may cost; null: no budget.</summary>
    public decimal? BudgetUsd { get; init; }
    public string? GithubIssueUrl { get; init; }

    /// <summary>The completed task whose problem came back: the new task is its regression.</summary>
    public Guid? RegressionOf { get; init; }

    /// <summary>True once <see cref="Redacted"/> made it: the write stores it as it is.</summary>
    public bool IsRedacted { get; private init; }

    /// <summary>
    /// The same task with credentials masked in its title, description and input: done before the write, so the database
    /// writer spends none of its time on it.
    /// </summary>
    public NewWorkItem Redacted() => IsRedacted ? this : this with
    {
        Title = TaskCreation.RedactedTitle(Title),
        Description = Redactor.Redact(Description)!,
        InputData = Redactor.RedactJson(InputData)!,
        IsRedacted = true,
    };
}

/// <summary>A progress report; <paramref name="Id"/>, when the client supplies one, makes a resent report harmless.</summary>
public sealed record ProgressReport(string Message, string? Step, int? Percent, string? Data, Guid? Id = null, UsageReport? Usage = null)
{
    /// <summary>The report with credentials masked in its message and data.</summary>
    public ProgressReport Redacted() => this with { Message = Redactor.Redact(Message)!, Data = Data is null ? null : Redactor.RedactJson(Data) };
}

public sealed record AssignResult(WorkItem Task, Assignment? Assignment, AgentChoice? Choice);

public sealed record FailResult(WorkItem Task, FailureDecision Decision);

public sealed record SweepReport(
    int Reconciled,
    int WentOffline,
    int Requeued,
    int Escalated,
    int Assigned,
    IReadOnlyList<string> Decisions)
{
    /// <summary>Runs taken back because they stalled or overran their time cap.</summary>
    public int Stopped { get; init; }
}

/// <summary>Wakes the engine at a given time (a due retry, a deadline); Hangfire in the app, nothing in unit tests.</summary>
public interface IDueWorkScheduler
{
    void WakeAt(DateTime utc);
}

public sealed class NoDueWorkScheduler : IDueWorkScheduler
{
    public void WakeAt(DateTime utc)
    {
    }
}
