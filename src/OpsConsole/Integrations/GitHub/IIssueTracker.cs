namespace OpsConsole.Integrations.GitHub;

/// <summary>An issue as the tracker knows it.</summary>
public sealed record TrackedIssue(int Number, string Url, bool IsOpen);

/// <summary>An issue as the intake reads it (pull requests, which GitHub lists among issues, are left out).</summary>
public sealed record IncomingIssue(int Number, string Url, string Title, string Body, IReadOnlyList<string> Labels, bool IsOpen);

/// <summary>The issue tracker seam: the few calls the outbox makes. Octokit in the app; a fake GitHub server in tests.</summary>
public interface IIssueTracker
{
    /// <summary>The issue whose body carries the task's marker, created or updated since <paramref name="since"/>; null when there is none.</summary>
    Task<TrackedIssue?> FindByMarkerAsync(Guid taskId, DateTime since, CancellationToken cancellationToken);

    Task<TrackedIssue> CreateAsync(IssueDraft draft, CancellationToken cancellationToken);

    Task CommentAsync(int number, string body, CancellationToken cancellationToken);

    /// <summary>Replaces the issue's OpsConsole labels (creating missing ones, with colours, on the repository first).</summary>
    Task SetLabelsAsync(int number, IReadOnlyList<IssueLabel> labels, CancellationToken cancellationToken);

    /// <summary>Opens or closes the issue; <paramref name="reason"/> is completed or not_planned when closing.</summary>
    Task SetStateAsync(int number, bool open, string? reason, CancellationToken cancellationToken);

    /// <summary>The open issues carrying <paramref name="label"/> (the intake's safety-net poll), oldest first.</summary>
    Task<IReadOnlyList<IncomingIssue>> OpenIssuesLabelledAsync(string label, CancellationToken cancellationToken);

    /// <summary>Whether an issue exists in the repository (a person links one by number).</summary>
    Task<TrackedIssue?> GetAsync(int number, CancellationToken cancellationToken);
}

public enum TrackerFailure
{
    /// <summary>GitHub's own rate limit (primary, secondary, or 429): wait until <see cref="IssueTrackerException.RetryAt"/>.</summary>
    RateLimited,

    /// <summary>Our own throttle (GitHub:MaxWritesPerMinute/Hour) is full until <see cref="IssueTrackerException.RetryAt"/>; not an error.</summary>
    Throttled,

    /// <summary>GitHub is unreachable, timed out or failing (5xx): back off and try again.</summary>
    Unavailable,

    /// <summary>The token or repository is wrong (401, 403 without a rate limit, repository not found): nothing works until settings change.</summary>
    Misconfigured,

    /// <summary>GitHub refused this one change for good (validation, the issue gone): the row fails, other tasks go on.</summary>
    Rejected,
}

public sealed class IssueTrackerException(TrackerFailure failure, string message, DateTime? retryAt = null, Exception? inner = null, bool secondary = false)
    : Exception(message, inner)
{
    /// <summary>A secondary rate limit (or a 429): wait at least a minute, then back off exponentially.</summary>
    public bool Secondary { get; } = secondary;

    public TrackerFailure Failure { get; } = failure;

    public DateTime? RetryAt { get; } = retryAt;
}
