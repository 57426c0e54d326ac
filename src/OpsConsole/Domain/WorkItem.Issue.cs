namespace OpsConsole.Domain;

/// <summary>A task's GitHub issue: it lives locally until the outbox delivers it, and every change of it is an event.</summary>
public sealed partial class WorkItem
{
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
}
