using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.GitHub;

/// <summary>The pull-request loop with signed webhooks and the fake GitHub: link, checks, CI feedback, merge and close.</summary>
public sealed class PullRequestLoopTests(GitHubApp app) : IClassFixture<GitHubApp>
{
    private const string Label = "opsconsole:task";

    /// <summary>A labelled issue taken in as a task (assigned to an agent when one is free); its id and the issue.</summary>
    private async Task<(Guid TaskId, FakeIssue Issue)> IssueTaskAsync(string title)
    {
        await app.HeartbeatAllAsync();
        var issue = app.GitHub.AddIssue(title, "Please fix.", Label, "type:bug_fix");
        var response = await app.PostAsync("issues", GitHubDeliveries.IssueEvent("opened", issue));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await using var db = await app.DbAsync();
        return (await db.WorkItems.Where(w => w.GithubIssueNumber == issue.Number).Select(w => w.Id).SingleAsync(), issue);
    }

    private static JsonObject PullRequestEvent(string action, FakeIssue pr, string sha, string branch, string state = "open", bool merged = false, string? mergedBy = null) => new()
    {
        ["action"] = action,
        ["number"] = pr.Number,
        ["pull_request"] = new JsonObject
        {
            ["number"] = pr.Number,
            ["title"] = pr.Title,
            ["body"] = pr.Body,
            ["html_url"] = FakeGitHub.HtmlUrl(pr),
            ["state"] = state,
            ["draft"] = false,
            ["merged"] = merged,
            ["merged_by"] = mergedBy is null ? null : new JsonObject { ["login"] = mergedBy },
            ["head"] = new JsonObject { ["sha"] = sha, ["ref"] = branch },
            ["base"] = new JsonObject { ["ref"] = "main" },
        },
    };

    private static JsonObject WorkflowRun(string action, string sha, long runId, string? conclusion, string name = "CI", int attempt = 1) => new()
    {
        ["action"] = action,
        ["workflow_run"] = new JsonObject
        {
            ["id"] = runId,
            ["name"] = name,
            ["head_sha"] = sha,
            ["head_branch"] = "feature",
            ["status"] = action == "completed" ? "completed" : "in_progress",
            ["conclusion"] = conclusion,
            ["html_url"] = $"https://github.example/{FakeGitHub.Owner}/{FakeGitHub.Repo}/actions/runs/{runId}",
            ["run_attempt"] = attempt,
            ["run_number"] = 7,
            ["check_suite_id"] = runId + 5000,
            ["event"] = "pull_request",
        },
        ["workflow"] = new JsonObject { ["name"] = name },
    };

    private static JsonObject ActionsCheckSuite(string sha, long suiteId, string conclusion) => new()
    {
        ["action"] = "completed",
        ["check_suite"] = new JsonObject
        {
            ["id"] = suiteId,
            ["head_sha"] = sha,
            ["status"] = "completed",
            ["conclusion"] = conclusion,
            ["app"] = new JsonObject { ["slug"] = "github-actions", ["name"] = "GitHub Actions" },
        },
    };

    private static string Sha() => Guid.NewGuid().ToString("N") + "abcdef01";

    private async Task<JsonObject> PullRequestOfAsync(Guid taskId) =>
        Assert.Single((await app.TaskAsync(taskId))["pull_requests"]!.AsArray())!.AsObject();

    [Fact]
    public async Task A_pull_request_that_fixes_the_issue_is_linked_its_checks_followed_and_merging_it_completes_the_task()
    {
        var (taskId, issue) = await IssueTaskAsync("Cart total rounds wrong");
        var pr = app.GitHub.AddPullRequest("Round cart totals half-even", $"This FIXES #{issue.Number}.");
        var sha = Sha();

        var opened = await app.PostAsync("pull_request", PullRequestEvent("opened", pr, sha, "copilot/fix-rounding"));
        var linked = await PullRequestOfAsync(taskId);
        await app.PostAsync("workflow_run", WorkflowRun("in_progress", sha, 9001, null));
        var running = await PullRequestOfAsync(taskId);
        await app.PostAsync("workflow_run", WorkflowRun("completed", sha, 9001, "success"));
        var passed = await PullRequestOfAsync(taskId);
        var merged = await app.PostAsync("pull_request", PullRequestEvent("closed", pr, sha, "copilot/fix-rounding", state: "closed", merged: true, mergedBy: "hubot"));

        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        Assert.Equal(pr.Number, (int)linked["number"]!);
        Assert.Equal(FakeGitHub.HtmlUrl(pr), (string?)linked["url"]);
        Assert.Equal("open", (string?)linked["state"]);
        Assert.Equal(sha, (string?)linked["head_sha"]);
        Assert.Null(linked["checks"]);
        Assert.Equal("pending", (string?)running["checks"]);
        Assert.Equal("success", (string?)passed["checks"]);
        Assert.Equal(HttpStatusCode.Accepted, merged.StatusCode);
        var task = await app.TaskAsync(taskId);
        Assert.Equal("completed", (string?)task["status"]);
        Assert.Equal("merged", (string?)task["pull_requests"]![0]!["state"]);
        await using var db = await app.DbAsync();
        Assert.True(await db.LogEntries.AnyAsync(l => l.WorkItemId == taskId && l.StepName == "completed" && l.Actor == "github:hubot"));
    }

    [Fact]
    public async Task A_failing_check_comments_once_per_run_up_to_the_limit_then_the_task_escalates_and_makes_no_failure_task()
    {
        var (taskId, _) = await IssueTaskAsync("Login page 500s");
        var pr = app.GitHub.AddPullRequest("Handle missing session cookie", "Work for the login bug.");
        var sha = Sha();
        await app.PostAsync("pull_request", PullRequestEvent("opened", pr, sha, Domain.PullRequestReferences.BranchFor(taskId)));
        int failureTasksBefore;
        await using (var db = await app.DbAsync())
        {
            failureTasksBefore = await db.WorkItems.CountAsync(w => w.Source == FailureChannels.GitHubWebhook);
        }

        var first = await app.PostAsync("workflow_run", WorkflowRun("completed", sha, 7001, "failure", name: "Unit tests"));
        await app.PostAsync("workflow_run", WorkflowRun("completed", sha, 7001, "failure", name: "Unit tests")); // redelivered
        await app.PostAsync("check_suite", ActionsCheckSuite(sha, 12001, "failure")); // the same run as its check suite
        await app.DeliverAsync();
        var afterFirst = app.GitHub.Issue(pr.Number).Comments.ToList();
        var checks = (string?)(await PullRequestOfAsync(taskId))["checks"];
        await app.PostAsync("workflow_run", WorkflowRun("completed", sha, 7001, "failure", name: "Unit tests", attempt: 2));
        await app.PostAsync("workflow_run", WorkflowRun("completed", sha, 7002, "failure", name: "Lint"));
        await app.DeliverAsync();
        var levelBefore = (int)(await app.TaskAsync(taskId))["escalation_level"]!;
        await app.PostAsync("workflow_run", WorkflowRun("completed", sha, 7003, "failure", name: "E2E"));
        await app.DeliverAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("failure", checks);
        var comment = Assert.Single(afterFirst);
        Assert.Contains("@copilot", comment, StringComparison.Ordinal);
        Assert.Contains("Unit tests", comment, StringComparison.Ordinal);
        Assert.Contains($"actions/runs/7001", comment, StringComparison.Ordinal);
        var comments = app.GitHub.Issue(pr.Number).Comments;
        Assert.Equal(3, comments.Count);
        Assert.DoesNotContain(comments, c => c.Contains("E2E", StringComparison.Ordinal));
        Assert.Equal(0, levelBefore);
        Assert.Equal(1, (int)(await app.TaskAsync(taskId))["escalation_level"]!);
        await using var after = await app.DbAsync();
        Assert.Equal(failureTasksBefore, await after.WorkItems.CountAsync(w => w.Source == FailureChannels.GitHubWebhook));
    }

    [Fact]
    public async Task A_new_head_commit_starts_its_checks_afresh_and_an_old_commits_run_changes_nothing()
    {
        var (taskId, issue) = await IssueTaskAsync("Avatar upload fails");
        var pr = app.GitHub.AddPullRequest("Fix avatar upload", $"Resolves #{issue.Number}");
        var (old, head) = (Sha(), Sha());
        await app.PostAsync("pull_request", PullRequestEvent("opened", pr, old, "copilot/avatar"));
        await app.PostAsync("workflow_run", WorkflowRun("completed", old, 8001, "failure"));

        await app.PostAsync("pull_request", PullRequestEvent("synchronize", pr, head, "copilot/avatar"));
        var pushed = await PullRequestOfAsync(taskId);
        await app.PostAsync("workflow_run", WorkflowRun("completed", old, 8002, "success"));
        var stale = await PullRequestOfAsync(taskId);

        Assert.Equal(head, (string?)pushed["head_sha"]);
        Assert.Null(pushed["checks"]);
        Assert.Null(stale["checks"]);
    }

    [Fact]
    public async Task A_pull_request_closed_without_merging_fails_the_attempt_through_the_failure_policy()
    {
        var (taskId, issue) = await IssueTaskAsync("Search index stale");
        var held = await app.TaskAsync(taskId);
        var pr = app.GitHub.AddPullRequest("Rebuild the index nightly", $"closes #{issue.Number}");
        var sha = Sha();
        await app.PostAsync("pull_request", PullRequestEvent("opened", pr, sha, "copilot/index"));

        var closed = await app.PostAsync("pull_request", PullRequestEvent("closed", pr, sha, "copilot/index", state: "closed", mergedBy: null));
        await app.PostAsync("pull_request", PullRequestEvent("closed", pr, sha, "copilot/index", state: "closed")); // redelivered

        Assert.Equal("assigned", (string?)held["status"]);
        Assert.Equal(HttpStatusCode.Accepted, closed.StatusCode);
        var task = await app.TaskAsync(taskId);
        Assert.Equal(1, (int)task["retry_count"]!);
        Assert.NotEqual("completed", (string?)task["status"]);
        Assert.Equal("closed", (string?)task["pull_requests"]![0]!["state"]);
        Assert.Contains($"Pull request #{pr.Number} was closed without merging", (string?)task["error_details"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pull_request_that_names_no_task_links_nothing()
    {
        var (taskId, issue) = await IssueTaskAsync("Unrelated work");
        var pr = app.GitHub.AddPullRequest("Bump dependencies", $"Mentions #{issue.Number} without a closing keyword.");

        var response = await app.PostAsync("pull_request", PullRequestEvent("opened", pr, Sha(), "dependabot/npm"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty((await app.TaskAsync(taskId))["pull_requests"]!.AsArray());
    }
}
