namespace OpsConsole.Domain;

/// <summary>One time a task was given to an agent, with why and how the candidates scored.</summary>
public sealed class Assignment
{
    public Guid Id { get; init; } = NewId.Next();
    public Guid WorkItemId { get; init; }
    public WorkItem? WorkItem { get; init; }
    public Guid AgentId { get; init; }
    public Agent? Agent { get; init; }
    public string AssignedBy { get; init; } = "orchestration_engine";
    public string AssignmentReason { get; init; } = "";
    public double Score { get; init; }

    /// <summary>JSON array of the top candidates with their factors.</summary>
    public string Candidates { get; init; } = "[]";
    public DateTime AssignedAt { get; init; }
    public DateTime? AcceptedAt { get; private set; }
    public DateTime? CompletedAt { get; private set; }
    public bool IsActive { get; private set; } = true;
    public string? EndReason { get; private set; }

    /// <summary>Why the attempt failed (redacted by the caller), at most <see cref="TailLimit"/> characters.</summary>
    public string? ErrorMessage { get; private set; }

    /// <summary>The last <see cref="TailLimit"/> characters of what the agent reported while it ran (already redacted).</summary>
    public string? OutputTail { get; private set; }

    /// <summary>How much of an attempt's error and output is kept, and handed to the next attempt.</summary>
    public const int TailLimit = 4000;

    public void Accept(DateTime now) => AcceptedAt ??= now;

    public void Close(string reason, DateTime now, string? errorMessage = null)
    {
        if (!IsActive)
        {
            return;
        }

        IsActive = false;
        CompletedAt = now;
        EndReason = reason;
        if (errorMessage is not null)
        {
            ErrorMessage = errorMessage.Length > TailLimit ? errorMessage[..(TailLimit - 1)] + "…" : errorMessage;
        }
    }

    public void AppendOutput(string text)
    {
        var joined = string.IsNullOrEmpty(OutputTail) ? text : $"{OutputTail}\n{text}";
        OutputTail = joined.Length > TailLimit ? joined[^TailLimit..] : joined;
    }
}

/// <summary>One line of a task's execution log (the seed's TaskExecutionLog), written for every change.</summary>
public sealed class WorkItemLogEntry
{
    public Guid Id { get; init; } = NewId.Next();
    public Guid WorkItemId { get; init; }
    public WorkItem? WorkItem { get; init; }
    public Guid? AgentId { get; init; }
    public Agent? Agent { get; init; }
    public LogSeverity Level { get; init; } = LogSeverity.Info;
    public string Message { get; init; } = "";
    public string StepName { get; init; } = "";
    public string StepData { get; init; } = "{}";
    public double? ExecutionTime { get; init; }
    public int? Percent { get; init; }
    public string Actor { get; init; } = "orchestration_engine";
    public ActorKind ActorKind { get; init; } = ActorKind.Engine;
    public DateTime CreatedOn { get; init; }
}

public sealed class OrchestrationRule
{
    public Guid Id { get; init; } = NewId.Next();
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public RuleKind Kind { get; set; }
    public string TriggerConditions { get; set; } = "{}";
    public string Actions { get; set; } = "{}";
    public int Priority { get; set; } = 100;
    public bool IsActive { get; set; } = true;
    public int TriggerCount { get; private set; }
    public DateTime? LastTriggered { get; private set; }
    public DateTime CreatedOn { get; set; }
    public DateTime ModifiedOn { get; set; }
}

/// <summary>One measurement of one component at one time; samples are kept as history.</summary>
public sealed class HealthSample
{
    public Guid Id { get; init; } = NewId.Next();
    public string Component { get; init; } = "";
    public string MetricName { get; init; } = "";
    public string MetricValue { get; init; } = "{}";
    public HealthState Status { get; init; }
    public string? ThresholdWarning { get; init; }
    public string? ThresholdCritical { get; init; }
    public DateTime LastCheck { get; init; }
}

public enum ApiRole
{
    Viewer,
    Operator,
    Admin,
}

/// <summary>A machine client's key. Only a hash of the key is stored.</summary>
public sealed class ApiKey
{
    public Guid Id { get; init; } = NewId.Next();
    public string Name { get; set; } = "";
    public ApiRole Role { get; set; }
    public string KeyHash { get; init; } = "";
    public string Prefix { get; init; } = "";
    public DateTime CreatedOn { get; init; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }

    public bool IsUsable(DateTime now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>Who asked for a change: the engine, a person, an API key or an agent.</summary>
public sealed record Actor(string Name, ActorKind Kind, Guid? AgentId = null)
{
    public static Actor Engine { get; } = new("orchestration_engine", ActorKind.Engine);

    public string AssignedBy => Kind == ActorKind.Engine ? Name : $"manual_{Name}";
}

/// <summary>One change made by a person, an API key or an agent: append-only.</summary>
public sealed class AuditEntry
{
    public Guid Id { get; init; } = NewId.Next();
    public DateTime At { get; init; }
    public string Actor { get; init; } = "";
    public ActorKind ActorKind { get; init; }
    public string Action { get; init; } = "";
    public string TargetType { get; init; } = "";
    public string TargetId { get; init; } = "";
    public string? Before { get; init; }
    public string? After { get; init; }
    public string? Ip { get; init; }
}
