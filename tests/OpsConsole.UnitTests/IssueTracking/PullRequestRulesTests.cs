using OpsConsole.Domain;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.UnitTests.IssueTracking;

/// <summary>The pure rules of the intake and the pull-request loop: references, branches, labels, checks and the feedback limit.</summary>
public sealed class PullRequestRulesTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("Fixes #12", new[] { 12 })]
    [InlineData("this CLOSES #7 and resolves #8.", new[] { 7, 8 })]
    [InlineData("fixed: #3, Resolved #3", new[] { 3 })]
    [InlineData("closes acme/shop#44", new[] { 44 })]
    [InlineData("closes other/repo#44", new int[0])]
    [InlineData("See #12; relates to #13", new int[0])]
    [InlineData("prefixes #12", new int[0])]
    [InlineData("", new int[0])]
    public void Closing_keywords_name_the_issues_a_pull_request_closes(string text, int[] expected) =>
        Assert.Equal(expected, PullRequestReferences.ClosedIssues(text, "acme/shop"));

    [Fact]
    public void The_branch_named_for_a_task_leads_back_to_it_and_other_branches_do_not()
    {
        var id = Guid.NewGuid();

        Assert.Equal(id, PullRequestReferences.TaskOfBranch(PullRequestReferences.BranchFor(id)));
        Assert.Equal(id, PullRequestReferences.TaskOfBranch($"opsconsole/{id}-second-try"));
        Assert.Null(PullRequestReferences.TaskOfBranch($"feature/{id:N}"));
        Assert.Null(PullRequestReferences.TaskOfBranch("opsconsole/not-a-task"));
        Assert.Null(PullRequestReferences.TaskOfBranch($"opsconsole/{id:N}x"));
    }

    [Fact]
    public void Type_and_priority_labels_classify_an_issue_and_anything_else_is_left_to_the_defaults()
    {
        Assert.Equal((WorkItemKind.BugFix, WorkItemPriority.High), IssueIntake.Classify(["opsconsole:task", "type:bug_fix", "priority:high"]));
        Assert.Equal(((WorkItemKind?)null, (WorkItemPriority?)null), IssueIntake.Classify(["type:general", "priority:urgent", "bug"]));
        Assert.True(IssueIntake.HasLabel(["OpsConsole:Task "], "opsconsole:task"));
    }

    [Fact]
    public void A_failing_run_asks_for_one_comment_up_to_the_limit_then_one_escalation()
    {
        var pr = new PullRequestLink { Number = 5 };
        pr.Update("Fix", "https://github.com/a/b/pull/5", PullRequestState.Open, "aaa", "opsconsole/x", Now);

        var first = pr.RecordCheck("aaa", "run:1:1", "Unit", null, CheckState.Failure, 2, Now);
        var again = pr.RecordCheck("aaa", "run:1:1", "Unit", null, CheckState.Failure, 2, Now);
        var second = pr.RecordCheck("aaa", "run:2:1", "Lint", null, CheckState.Failure, 2, Now);
        var third = pr.RecordCheck("aaa", "run:3:1", "E2E", null, CheckState.Failure, 2, Now);
        var fourth = pr.RecordCheck("aaa", "run:4:1", "Docs", null, CheckState.Failure, 2, Now);
        var stale = pr.RecordCheck("bbb", "run:5:1", "Unit", null, CheckState.Success, 2, Now);

        Assert.Equal([CheckFeedback.Comment, CheckFeedback.Updated, CheckFeedback.Comment, CheckFeedback.Escalate, CheckFeedback.Updated, CheckFeedback.Stale],
            [first, again, second, third, fourth, stale]);
        Assert.Equal(2, pr.FeedbackCount);
        Assert.Equal(CheckState.Failure, pr.Checks);
    }

    [Fact]
    public void Checks_are_pending_while_a_run_runs_success_when_all_passed_and_start_afresh_on_a_new_head()
    {
        var pr = new PullRequestLink { Number = 5 };
        pr.Update("Fix", "u", PullRequestState.Open, "aaa", null, Now);

        pr.RecordCheck("aaa", "run:1:1", "Unit", null, CheckState.Success, 3, Now);
        pr.RecordCheck("aaa", "run:2:1", "Lint", null, CheckState.Pending, 3, Now);
        var running = pr.Checks;
        pr.RecordCheck("aaa", "run:2:1", "Lint", null, CheckState.Success, 3, Now);
        var passed = pr.Checks;
        pr.Update("Fix", "u", PullRequestState.Open, "ccc", null, Now);

        Assert.Equal(CheckState.Pending, running);
        Assert.Equal(CheckState.Success, passed);
        Assert.Null(pr.Checks);
        Assert.Empty(pr.CheckRuns());
    }

    [Fact]
    public void Bad_intake_and_feedback_settings_are_refused_at_start()
    {
        var problems = new GitHubOptions { IntakeLabel = " ", IntakePollSeconds = 5, CiFeedbackLimit = -1 }.Validate().ToList();

        Assert.Contains(problems, p => p.Contains("GitHub:IntakeLabel", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("GitHub:IntakePollSeconds", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("GitHub:CiFeedbackLimit", StringComparison.Ordinal));
        Assert.Empty(new GitHubOptions().Validate());
    }
}
