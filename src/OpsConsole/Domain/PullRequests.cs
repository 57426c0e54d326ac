using System.Text.Json;
using System.Text.RegularExpressions;

namespace OpsConsole.Domain;

/// <summary>A pull request as GitHub shows it: a draft, open, merged, or closed without merging.</summary>
public enum PullRequestState
{
    Draft,
    Open,
    Merged,
    Closed,
}

/// <summary>The head commit's checks taken together: any failing is a failure, any running is pending, all passed is success.</summary>
public enum CheckState
{
    Pending,
    Success,
    Failure,
}

/// <summary>What recording one check run's result asks of the caller.</summary>
public enum CheckFeedback
{
    /// <summary>The run was for an older head commit: nothing changes.</summary>
    Stale,

    /// <summary>The checks were updated; nothing more to do.</summary>
    Updated,

    /// <summary>A run failed that was not yet reported: comment on the pull request (within GitHub:CiFeedbackLimit).</summary>
    Comment,

    /// <summary>A run failed after the limit of comments was used: escalate the task (once per pull request).</summary>
    Escalate,
}

/// <summary>One check suite (a workflow run, or another app's checks) on the head commit.</summary>
public sealed record CheckRunRecord(string Key, string Name, string? Url, CheckState State, bool Reported);

/// <summary>
/// A pull request that works on a task: it references the task's issue with a closing keyword, or it was pushed on the branch
/// the console named for the task. Owned by the task (one row per task and pull request number).
/// </summary>
public sealed class PullRequestLink
{
    private static readonly JsonSerializerOptions RunJson = new(JsonSerializerDefaults.Web);

    public int Number { get; set; }
    public string Url { get; set; } = "";
    public string Title { get; set; } = "";
    public PullRequestState State { get; set; } = PullRequestState.Open;
    public string HeadSha { get; set; } = "";
    public string? HeadBranch { get; set; }
    public CheckState? Checks { get; set; }

    /// <summary>The head commit's check suites as JSON (<see cref="CheckRunRecord"/>); reset when the head moves.</summary>
    public string Runs { get; set; } = "[]";

    /// <summary>How many CI-failure comments OpsConsole posted on the pull request (at most GitHub:CiFeedbackLimit).</summary>
    public int FeedbackCount { get; set; }

    /// <summary>Set once the task was escalated because CI kept failing after the comments ran out.</summary>
    public bool Escalated { get; set; }

    public DateTime LinkedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<CheckRunRecord> CheckRuns()
    {
        try
        {
            return JsonSerializer.Deserialize<List<CheckRunRecord>>(Runs, RunJson) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>The pull request as the latest webhook describes it; a new head commit starts its checks afresh.</summary>
    public bool Update(string title, string url, PullRequestState state, string headSha, string? headBranch, DateTime now)
    {
        var changed = Title != title || Url != url || State != state || HeadSha != headSha || HeadBranch != headBranch;
        if (HeadSha != headSha)
        {
            Runs = "[]";
            Checks = null;
        }

        (Title, Url, State, HeadSha, HeadBranch) = (title, url, state, headSha, headBranch);
        if (changed)
        {
            UpdatedAt = now;
        }

        return changed;
    }

    /// <summary>
    /// Records a check suite's state on <paramref name="sha"/>. A failure not reported yet asks for a comment while fewer than
    /// <paramref name="feedbackLimit"/> were posted, then (once) for an escalation; the same run never asks twice.
    /// </summary>
    public CheckFeedback RecordCheck(string sha, string key, string name, string? url, CheckState state, int feedbackLimit, DateTime now)
    {
        if (!string.Equals(sha, HeadSha, StringComparison.OrdinalIgnoreCase))
        {
            return CheckFeedback.Stale;
        }

        var runs = CheckRuns().ToList();
        var index = runs.FindIndex(r => r.Key == key);
        var reported = index >= 0 && runs[index].Reported;
        var feedback = CheckFeedback.Updated;
        if (state == CheckState.Failure && !reported)
        {
            if (FeedbackCount < feedbackLimit)
            {
                FeedbackCount++;
                feedback = CheckFeedback.Comment;
            }
            else if (!Escalated)
            {
                Escalated = true;
                feedback = CheckFeedback.Escalate;
            }

            reported = true;
        }

        var run = new CheckRunRecord(key, name, url, state, reported);
        if (index >= 0)
        {
            runs[index] = run;
        }
        else
        {
            runs.Add(run);
        }

        Runs = JsonSerializer.Serialize(runs, RunJson);
        Checks = runs.Any(r => r.State == CheckState.Failure) ? CheckState.Failure
            : runs.Any(r => r.State == CheckState.Pending) ? CheckState.Pending
            : CheckState.Success;
        UpdatedAt = now;
        return feedback;
    }
}

/// <summary>How a pull request names the task it works on: a closing keyword for the task's issue, or the task's branch.</summary>
public static partial class PullRequestReferences
{
    public const string BranchPrefix = "opsconsole/";

    /// <summary>The branch the console names for a task (in the issue's intake comment): opsconsole/&lt;task id&gt;.</summary>
    public static string BranchFor(Guid taskId) => $"{BranchPrefix}{taskId:N}";

    /// <summary>The task a branch was named for: opsconsole/&lt;id&gt;, optionally followed by -… or /….</summary>
    public static Guid? TaskOfBranch(string? branch)
    {
        if (branch is null || !branch.StartsWith(BranchPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var rest = branch[BranchPrefix.Length..];
        foreach (var length in new[] { 36, 32 })
        {
            if (rest.Length >= length && (rest.Length == length || rest[length] is '-' or '/' or '_')
                && Guid.TryParse(rest[..length], out var id))
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>
    /// The issue numbers a title or body closes, as GitHub reads them: close(s|d), fix(es|ed), resolve(s|d), any case, then
    /// #N or owner/name#N (another repository's references are left out when <paramref name="repository"/> is given).
    /// </summary>
    public static IReadOnlyList<int> ClosedIssues(string? text, string? repository)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var numbers = new List<int>();
        foreach (Match match in ClosingKeyword().Matches(text))
        {
            var repo = match.Groups["repo"].Value;
            if (repo.Length > 0 && repository is not null && !string.Equals(repo, repository.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (int.TryParse(match.Groups["number"].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && n > 0 && !numbers.Contains(n))
            {
                numbers.Add(n);
            }
        }

        return numbers;
    }

    [GeneratedRegex(@"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+(?<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)?#(?<number>\d{1,9})\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ClosingKeyword();
}

/// <summary>What an issue carrying the intake label says about the task it becomes: type and priority from its labels.</summary>
public static class IssueIntake
{
    public const string Source = "github_issue";

    /// <summary>
    /// type:&lt;task_type&gt; and priority:&lt;priority&gt; labels (the same labels the outbox writes); null for a kind the labels
    /// do not name (or name wrongly). The first valid label of each kind wins.
    /// </summary>
    public static (WorkItemKind? Kind, WorkItemPriority? Priority) Classify(IEnumerable<string> labels)
    {
        WorkItemKind? kind = null;
        WorkItemPriority? priority = null;
        foreach (var label in labels)
        {
            var trimmed = label.Trim();
            if (kind is null && trimmed.StartsWith("type:", StringComparison.OrdinalIgnoreCase)
                && WireFormat.TryParse<WorkItemKind>(trimmed[5..], out var k))
            {
                kind = k;
            }
            else if (priority is null && trimmed.StartsWith("priority:", StringComparison.OrdinalIgnoreCase)
                && WireFormat.TryParse<WorkItemPriority>(trimmed[9..], out var p))
            {
                priority = p;
            }
        }

        return (kind, priority);
    }

    /// <summary>The task type of an issue without a valid type: label (there is no "general" task type; github_issue is the issue's own).</summary>
    public const WorkItemKind DefaultKind = WorkItemKind.GithubIssue;

    public const WorkItemPriority DefaultPriority = WorkItemPriority.Medium;

    public static bool HasLabel(IEnumerable<string> labels, string label) =>
        labels.Any(l => string.Equals(l.Trim(), label.Trim(), StringComparison.OrdinalIgnoreCase));
}
