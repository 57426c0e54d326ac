namespace OpsConsole.Domain;

/// <summary>The pull requests that work on a task, and the issue the task came from (GitHub intake).</summary>
public sealed partial class WorkItem
{
    public List<PullRequestLink> PullRequests { get; private set; } = [];

    /// <summary>The task's pull request <paramref name="number"/>, linked now if it was not; true when something changed.</summary>
    public bool TrackPullRequest(int number, string title, string url, PullRequestState state, string headSha, string? headBranch, DateTime now)
    {
        var link = PullRequests.FirstOrDefault(p => p.Number == number);
        var changed = link is null;
        if (link is null)
        {
            link = new PullRequestLink { Number = number, LinkedAt = now, UpdatedAt = now };
            PullRequests.Add(link);
        }

        changed |= link.Update(title, url, state, headSha, headBranch, now);
        if (changed)
        {
            Touch(now);
        }

        return changed;
    }

    /// <summary>A check suite's result for one of the task's pull requests; see <see cref="PullRequestLink.RecordCheck"/>.</summary>
    public CheckFeedback RecordCheck(int number, string sha, string key, string name, string? url, CheckState state, int feedbackLimit, DateTime now)
    {
        var link = PullRequests.FirstOrDefault(p => p.Number == number);
        if (link is null)
        {
            return CheckFeedback.Stale;
        }

        var before = (link.Checks, link.Runs);
        var feedback = link.RecordCheck(sha, key, name, url, state, feedbackLimit, now);
        if (feedback != CheckFeedback.Stale && (before.Checks != link.Checks || before.Runs != link.Runs))
        {
            Touch(now);
        }

        return feedback;
    }

    /// <summary>
    /// The issue the task came from changed on GitHub: its title or body was edited, or a type:/priority: label added. What is
    /// given follows; true when something changed.
    /// </summary>
    public bool FollowIssue(string? title, string? description, WorkItemKind? kind, WorkItemPriority? priority, DateTime now)
    {
        var changed = false;
        if (title is not null && title != Title)
        {
            Title = title;
            changed = true;
        }

        if (description is not null && description != Description)
        {
            Description = description;
            changed = true;
        }

        if (kind is { } k && k != Kind)
        {
            Kind = k;
            changed = true;
        }

        if (priority is { } p && p != Priority)
        {
            Priority = p;
            changed = true;
        }

        if (changed)
        {
            Touch(now);
        }

        return changed;
    }
}
