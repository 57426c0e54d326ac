namespace OpsConsole.Domain;

/// <summary>What one outbox row asks of the issue tracker.</summary>
public enum IssueChangeKind
{
    /// <summary>Create the task's issue (title, body and labels rendered from the task when delivered).</summary>
    Open,

    /// <summary>Post <see cref="IssueOutboxEntry.Text"/> as a comment; consecutive comments go out as one.</summary>
    Comment,

    /// <summary>Bring the labels in line with the task (type, priority, environment, status).</summary>
    Labels,

    /// <summary>Close with <see cref="IssueOutboxEntry.Text"/> as the summary comment; <see cref="IssueOutboxEntry.Reason"/> is completed or not_planned.</summary>
    Close,

    /// <summary>Reopen with <see cref="IssueOutboxEntry.Text"/> as the comment (a regression, a task brought back).</summary>
    Reopen,
}

/// <summary>
/// One change to a task's GitHub issue, written in the same transaction as the task change that caused it and delivered,
/// in order per task, by the outbox job. Nothing about GitHub is ever done outside this table.
/// </summary>
public sealed class IssueOutboxEntry
{
    public long Id { get; set; }
    public Guid WorkItemId { get; set; }
    public IssueChangeKind Kind { get; set; }

    /// <summary>The comment or summary (already redacted); empty for Open and Labels.</summary>
    public string Text { get; set; } = "";

    /// <summary>Comments with the same key in one delivery are folded into the last one (occurrence counts in a storm).</summary>
    public string? CoalesceKey { get; set; }

    /// <summary>For a Comment: the pull request (or other issue) to post on instead of the task's issue (CI feedback).</summary>
    public int? TargetNumber { get; set; }

    /// <summary>For Close: completed or not_planned.</summary>
    public string? Reason { get; set; }

    public DateTime CreatedAt { get; set; }
    public int Attempts { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime? DeliveredAt { get; set; }

    /// <summary>GitHub refused the change for good (validation, the issue gone); later rows of the task wait for a person.</summary>
    public DateTime? FailedAt { get; set; }

    public bool IsPending => DeliveredAt is null;
}
