using Microsoft.Extensions.Time.Testing;
using OpsConsole.Domain;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.UnitTests.IssueTracking;

/// <summary>The issue policy: what each task change means for its issue.</summary>
public sealed class IssuePolicyTests
{
    private static readonly IssueTriggers Triggers = new();
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static IssueFacts Facts(
        WorkItemStatus status = WorkItemStatus.InProgress, WorkItemPriority priority = WorkItemPriority.High, int level = 0, int retries = 0,
        Guid? agent = null, string? agentName = null, Guid? avoid = null, bool attention = false, int occurrences = 1,
        GitHubIssueState state = GitHubIssueState.Synced, int? number = 7, Guid? regressionOf = null, string? error = null) =>
        new(status, priority, level, retries, 3, agent, agentName, avoid, Now.AddMinutes(2), error, attention, attention ? "retries and escalation exhausted" : null,
            occurrences, Now, state, number, regressionOf);

    [Fact]
    public void A_task_without_an_issue_gets_nothing_unless_a_trigger_fires()
    {
        var before = Facts(state: GitHubIssueState.None, number: null);

        Assert.Empty(IssuePolicy.Decide(before, Facts(state: GitHubIssueState.None, number: null, status: WorkItemStatus.Completed), Triggers));
        Assert.False(IssuePolicy.ShouldOpen(before, Facts(state: GitHubIssueState.None, number: null, status: WorkItemStatus.Completed), Triggers));
        Assert.True(IssuePolicy.ShouldOpen(before, Facts(state: GitHubIssueState.None, number: null, level: 1), Triggers));
        Assert.False(IssuePolicy.ShouldOpen(before, Facts(state: GitHubIssueState.None, number: null, level: 1), new IssueTriggers(Escalations: false)));
    }

    [Fact]
    public void Only_critical_work_that_failed_for_good_opens_an_issue_by_itself()
    {
        var before = Facts(state: GitHubIssueState.None, number: null, priority: WorkItemPriority.Critical);

        Assert.True(IssuePolicy.ShouldOpen(before, Facts(state: GitHubIssueState.None, number: null, priority: WorkItemPriority.Critical, status: WorkItemStatus.Failed, attention: true), Triggers));
        Assert.False(IssuePolicy.ShouldOpen(Facts(state: GitHubIssueState.None, number: null), Facts(state: GitHubIssueState.None, number: null, status: WorkItemStatus.Failed, attention: true), Triggers));
        Assert.False(IssuePolicy.ShouldOpen(before, Facts(state: GitHubIssueState.None, number: null, priority: WorkItemPriority.Critical, status: WorkItemStatus.Failed), Triggers));
    }

    [Fact]
    public void A_newly_wanted_issue_is_opened_and_an_existing_one_is_introduced_or_reopened_on_a_regression()
    {
        Assert.Equal([IssueChangeKind.Open], IssuePolicy.Decide(null, Facts(state: GitHubIssueState.Local, number: null), Triggers).Select(c => c.Kind));
        Assert.Equal([IssueChangeKind.Comment, IssueChangeKind.Labels], IssuePolicy.Decide(null, Facts(), Triggers).Select(c => c.Kind));

        var regression = IssuePolicy.Decide(null, Facts(regressionOf: Guid.NewGuid()), Triggers, Guid.NewGuid());
        Assert.Equal(IssueChangeKind.Reopen, regression[0].Kind);
        Assert.Contains("Regression", regression[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Retry_escalation_reassignment_and_occurrences_each_comment_with_what_happened()
    {
        var agent = Guid.NewGuid();
        var before = Facts(agent: agent, occurrences: 2);

        var retry = IssuePolicy.Decide(before, Facts(status: WorkItemStatus.Pending, retries: 1, error: "exit 1; password=hunter2", avoid: agent, occurrences: 2), Triggers);
        var comment = Assert.Single(retry, c => c.Kind == IssueChangeKind.Comment);
        Assert.Contains("Retry 1 of 3", comment.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", comment.Text, StringComparison.Ordinal);
        Assert.Contains(retry, c => c.Kind == IssueChangeKind.Labels);

        var escalation = IssuePolicy.Decide(before, Facts(level: 1, priority: WorkItemPriority.Critical, agent: agent, occurrences: 2), Triggers);
        Assert.Contains(escalation, c => c.Text.Contains("Escalated** to level 1", StringComparison.Ordinal) && c.Text.Contains("**critical** (was high)", StringComparison.Ordinal));

        var handover = IssuePolicy.Decide(before, Facts(agent: Guid.NewGuid(), agentName: "Backup", occurrences: 2), Triggers);
        Assert.Contains(handover, c => c.Text.Contains("Reassigned** to Backup", StringComparison.Ordinal));

        var seen = Assert.Single(IssuePolicy.Decide(before, Facts(agent: agent, occurrences: 5), Triggers));
        Assert.Equal("occurrences", seen.CoalesceKey);
        Assert.Contains("5 occurrences", seen.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Completion_and_cancellation_close_with_their_reason_and_a_task_brought_back_reopens()
    {
        var before = Facts();

        var completed = IssuePolicy.Decide(before, Facts(status: WorkItemStatus.Completed, agentName: "DeployBot"), Triggers);
        Assert.Equal(("completed", IssueChangeKind.Close), (completed.Single().Reason, completed.Single().Kind));
        Assert.Contains("Completed** by DeployBot", completed.Single().Text, StringComparison.Ordinal);
        Assert.Equal("not_planned", IssuePolicy.Decide(before, Facts(status: WorkItemStatus.Cancelled), Triggers).Single().Reason);
        Assert.Contains(IssuePolicy.Decide(Facts(status: WorkItemStatus.Completed), Facts(status: WorkItemStatus.Pending), Triggers), c => c.Kind == IssueChangeKind.Reopen);
    }

    [Fact]
    public void A_change_that_touches_only_the_issue_fields_writes_nothing()
    {
        Assert.Empty(IssuePolicy.Decide(Facts(state: GitHubIssueState.Pending, number: null), Facts(), Triggers));
    }
}

/// <summary>The issue's title, body and labels, and the one comment a burst becomes.</summary>
public sealed class IssueTemplateTests
{
    private static WorkItem Task(string title = "🚨 PRODUCTION FAILURE: deploy-42", string input = "{}") => new()
    {
        Title = title,
        Description = "The deploy failed. DATABASE_URL=postgres://app:s3cret@db/prod",
        Kind = WorkItemKind.Deployment,
        Environment = "production",
        Source = "deployment_log",
        InputData = input,
        Fingerprint = "deployment:deploy-42",
    };

    [Fact]
    public void The_body_carries_the_marker_a_link_back_the_error_and_suggestions_and_no_secret()
    {
        var task = Task(input: """{"error_details": {"error_message": "auth failed with ghp_abcdefghijklmnopqrstuvwxyz0123456789", "recovery_suggestions": ["Roll back", "Rotate the token"]}}""");

        var draft = IssueTemplates.Draft(task, "https://ops.example.com/", "copilot");

        Assert.StartsWith(IssueTemplates.Marker(task.Id), draft.Body, StringComparison.Ordinal);
        Assert.Contains($"https://ops.example.com/tasks/{task.Id}", draft.Body, StringComparison.Ordinal);
        Assert.Contains("### Error", draft.Body, StringComparison.Ordinal);
        Assert.Contains("- Rotate the token", draft.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789", draft.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", draft.Body, StringComparison.Ordinal);
        Assert.Equal("copilot", draft.Assignee);
        Assert.Null(IssueTemplates.Draft(task, "http://x", " ").Assignee);
    }

    [Fact]
    public void Labels_name_type_priority_status_and_environment_with_colours_and_the_origin_label()
    {
        var labels = IssueTemplates.Labels(Task());

        Assert.Equal(["opsconsole", "type:deployment", "priority:medium", "status:pending", "env:production"], labels.Select(l => l.Name));
        Assert.All(labels, l => Assert.Matches("^[0-9a-f]{6}$", l.Color));
    }

    [Fact]
    public void A_long_environment_name_still_makes_a_label_GitHub_accepts()
    {
        var task = Task();
        task.Environment = "production-" + new string('e', 80);

        Assert.All(IssueTemplates.Labels(task), l => Assert.True(l.Name.Length <= 50, l.Name));
    }

    [Fact]
    public void A_long_title_is_cut_to_what_GitHub_accepts()
    {
        Assert.Equal(IssueTemplates.MaxTitle, IssueTemplates.Title(Task(new string('x', 400))).Length);
        Assert.StartsWith("🚨 ", IssueTemplates.Title(Task()), StringComparison.Ordinal);
    }

    [Fact]
    public void The_issue_title_has_one_symbol_whether_the_task_title_brings_its_own_or_not()
    {
        Assert.Equal("🚨 PRODUCTION FAILURE: deploy-42", IssueTemplates.Title(Task()));
        Assert.Equal("🚨 Deploy of web failed", IssueTemplates.Title(Task("Deploy of web failed")));
    }

    [Fact]
    public void A_burst_of_changes_folds_into_one_comment_keeping_only_the_last_occurrence_count()
    {
        IssueOutboxEntry Row(long id, IssueChangeKind kind, string text, string? key = null) => new() { Id = id, Kind = kind, Text = text, CoalesceKey = key };

        var text = GitHubOutbox.Fold(
        [
            Row(1, IssueChangeKind.Comment, "seen 2", "occurrences"),
            Row(2, IssueChangeKind.Comment, "retry 1"),
            Row(3, IssueChangeKind.Labels, ""),
            Row(4, IssueChangeKind.Comment, "seen 9", "occurrences"),
            Row(5, IssueChangeKind.Close, "completed"),
        ]);

        Assert.Equal("retry 1\n\n---\n\nseen 9\n\n---\n\ncompleted", text);
    }
}

/// <summary>The process-wide GitHub state: our throttle under the secondary limits, and how long each failure pauses delivery.</summary>
public sealed class GitHubStatusTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void The_throttle_allows_the_per_minute_budget_then_says_when_the_next_write_may_go()
    {
        var status = new GitHubStatus(time);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(status.TryTakeWrite(3, 100, out _, out _));
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.False(status.TryTakeWrite(3, 100, out var retryAt, out _));
        Assert.Equal(time.GetUtcNow().UtcDateTime.AddSeconds(30), retryAt);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(status.TryTakeWrite(3, 100, out _, out _));
    }

    [Fact]
    public void A_write_counts_until_GitHub_answered_it_so_no_minute_at_GitHubs_end_holds_more_than_the_budget()
    {
        // Two writes a minute. The first request takes 5 s to be answered: GitHub may have counted it at any moment of those.
        var status = new GitHubStatus(time);
        Assert.True(status.TryTakeWrite(2, 100, out _, out var slow));
        time.Advance(TimeSpan.FromSeconds(5));
        slow.Dispose();
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(status.TryTakeWrite(2, 100, out _, out var second));
        second.Dispose();

        // 60 s after the first write was taken but only 55 s after it was answered: a third write could make three in
        // one minute at GitHub's end, so it waits until a minute after the answer.
        time.Advance(TimeSpan.FromSeconds(45));
        Assert.False(status.TryTakeWrite(2, 100, out var retryAt, out _));
        Assert.Equal(new DateTime(2026, 11, 25, 12, 1, 5, DateTimeKind.Utc), retryAt);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(status.TryTakeWrite(2, 100, out _, out _));
    }

    [Fact]
    public void The_hourly_budget_holds_across_minutes()
    {
        var status = new GitHubStatus(time);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(status.TryTakeWrite(80, 5, out _, out _));
            time.Advance(TimeSpan.FromMinutes(2));
        }

        Assert.False(status.TryTakeWrite(80, 5, out var retryAt, out _));
        Assert.Equal(new DateTime(2026, 11, 25, 13, 0, 0, DateTimeKind.Utc), retryAt);
    }

    [Fact]
    public void Failures_back_off_exponentially_a_secondary_limit_waits_at_least_a_minute_and_retry_after_is_obeyed()
    {
        var status = new GitHubStatus(time);
        var now = time.GetUtcNow().UtcDateTime;

        Assert.Equal(now.AddSeconds(5), status.Failed(new IssueTrackerException(TrackerFailure.Unavailable, "503")));
        Assert.Equal(now.AddSeconds(10), status.Failed(new IssueTrackerException(TrackerFailure.Unavailable, "503")));
        Assert.True(status.IsPaused(out _));

        Assert.Equal(now.AddMinutes(1), status.Failed(new IssueTrackerException(TrackerFailure.RateLimited, "403", secondary: true)));
        Assert.Equal(now.AddMinutes(2), status.Failed(new IssueTrackerException(TrackerFailure.RateLimited, "403", secondary: true)));
        Assert.Equal(now.AddMinutes(5), status.Failed(new IssueTrackerException(TrackerFailure.RateLimited, "429", now.AddMinutes(5), secondary: true)));
        // Retry-After shorter than a minute: GitHub said how long, so that is the wait (the minute is for limits no header measures).
        Assert.Equal(now.AddSeconds(10), status.Failed(new IssueTrackerException(TrackerFailure.RateLimited, "403 Retry-After: 10", now.AddSeconds(10), secondary: true)));
        Assert.Equal(now.AddHours(1), status.Failed(new IssueTrackerException(TrackerFailure.RateLimited, "primary", now.AddHours(1))));

        status.Resume();
        Assert.False(status.IsPaused(out _));
        Assert.Equal(now.AddSeconds(5), status.Failed(new IssueTrackerException(TrackerFailure.Unavailable, "503")));
    }
}
