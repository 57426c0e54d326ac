using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.Features.Deployments;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.GitHub;

/// <summary>The app with a fake GitHub and a webhook secret.</summary>
public class GitHubApp : GitHubOpsConsole
{
    public const string WebhookSecret = "test-webhook-secret-0123456789";

    protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("GitHub:WebhookSecret", WebhookSecret)];
}

internal static class GitHubTestApi
{
    public const string Api = "/api/v1/orchestration";

    /// <summary>Posts a production deployment failure and returns its task id.</summary>
    public static async Task<Guid> ProductionFailureAsync(this OpsConsoleFactory app, string? deploymentId = null, string message = "Deployment failed: migration 0042 timed out")
    {
        var response = await app.CreateAdminClient().PostJsonAsync($"{Api}/failures/", new
        {
            deployment_id = deploymentId ?? $"deploy-{Guid.NewGuid():N}"[..20],
            error_message = message,
            failed_step = "migrate",
            environment = "production",
            hostname = "web-1",
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Guid.Parse((string)(await response.ReadObjectAsync())["results"]![0]!["task_id"]!);
    }

    public static async Task<JsonObject> TaskAsync(this OpsConsoleFactory app, Guid id) =>
        await (await app.CreateAdminClient().GetAsync($"{Api}/tasks/{id}/")).ReadObjectAsync();

    public static async Task<int> IssueNumberAsync(this OpsConsoleFactory app, Guid id)
    {
        var task = await app.TaskAsync(id);
        Assert.Equal("synced", (string?)task["github_issue_state"]);
        return (int)task["github_issue_number"]!;
    }
}

/// <summary>One living issue per task: created once with the right content, commented on, relabelled, closed, linked and unlinked.</summary>
public sealed class GitHubIssueTests(GitHubApp app) : IClassFixture<GitHubApp>
{
    private const string Api = GitHubTestApi.Api;

    [Fact]
    public async Task A_production_failure_opens_exactly_one_issue_with_title_body_labels_and_assignee_and_repeats_only_comment()
    {
        var deployment = $"deploy-{Guid.NewGuid():N}"[..20];
        var taskId = await app.ProductionFailureAsync(deployment, "Deployment failed: token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 rejected");
        await app.DeliverAsync();

        var number = await app.IssueNumberAsync(taskId);
        var issue = app.GitHub.Issue(number);
        Assert.Single(app.GitHub.Issues, i => i.Body.Contains($"opsconsole-task: {taskId}", StringComparison.Ordinal));
        Assert.StartsWith("🚨 ", issue.Title, StringComparison.Ordinal);
        Assert.Contains(deployment, issue.Title, StringComparison.Ordinal);
        Assert.Equal(["copilot"], issue.Assignees);
        Assert.Contains("opsconsole", issue.Labels);
        Assert.Contains("type:deployment", issue.Labels);
        Assert.Contains("env:production", issue.Labels);
        Assert.Contains(issue.Labels, l => l.StartsWith("priority:", StringComparison.Ordinal));
        Assert.Contains("status:", string.Join(' ', issue.Labels), StringComparison.Ordinal);
        Assert.Contains($"http://localhost:5080/tasks/{taskId}", issue.Body, StringComparison.Ordinal);
        Assert.Contains("### Recovery suggestions", issue.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789", issue.Body, StringComparison.Ordinal);
        Assert.All(issue.Labels, l => Assert.Matches("^[0-9a-f]{6}$", app.GitHub.Labels[l])); // created on the repository, with colours, before use

        // The same deployment failing twice more is one task and one issue: the occurrences are comments on it. A delivery
        // queued by the first repeat may run before the second arrives (it runs in the background, as it does in
        // production), so there are one or two comments, and the last one counts all three.
        await app.ProductionFailureAsync(deployment);
        await app.ProductionFailureAsync(deployment);
        await app.DeliverAsync();

        Assert.Single(app.GitHub.Issues, i => i.Body.Contains($"opsconsole-task: {taskId}", StringComparison.Ordinal));
        var occurrences = issue.Comments.Where(c => c.Contains("occurrences", StringComparison.Ordinal)).ToList();
        Assert.InRange(occurrences.Count, 1, 2);
        Assert.Contains("**3 occurrences**", occurrences[^1], StringComparison.Ordinal);

        // Occurrence counts waiting together go out as one comment, the latest.
        await using (var db = await app.DbAsync())
        {
            var now = app.Time.GetUtcNow().UtcDateTime;
            db.IssueOutbox.AddRange(
                new IssueOutboxEntry { WorkItemId = taskId, Kind = IssueChangeKind.Comment, Text = "📈 Seen again: **4 occurrences** (test)", CoalesceKey = "occurrences", CreatedAt = now },
                new IssueOutboxEntry { WorkItemId = taskId, Kind = IssueChangeKind.Comment, Text = "📈 Seen again: **5 occurrences** (test)", CoalesceKey = "occurrences", CreatedAt = now });
            await db.SaveChangesAsync();
        }

        await app.DeliverAsync();
        Assert.DoesNotContain(issue.Comments, c => c.Contains("**4 occurrences** (test)", StringComparison.Ordinal));
        Assert.Single(issue.Comments, c => c.Contains("**5 occurrences** (test)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retries_and_escalations_comment_labels_follow_priority_and_completion_closes_with_a_summary()
    {
        await app.HeartbeatAllAsync();
        var taskId = await app.ProductionFailureAsync();
        await app.DeliverAsync();
        var number = await app.IssueNumberAsync(taskId);
        var issue = app.GitHub.Issue(number);
        var before = app.GitHub.Issues.Count;

        var client = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"{Api}/tasks/{taskId}/fail/", new { error_message = "migration lock held by another process" })).StatusCode);
        await app.DeliverAsync();
        Assert.Contains(issue.Comments, c => c.Contains("**Retry 1 of", StringComparison.Ordinal) && c.Contains("migration lock held", StringComparison.Ordinal));

        var priorityBefore = issue.Labels.Single(l => l.StartsWith("priority:", StringComparison.Ordinal));
        var escalated = await client.PostJsonAsync($"{Api}/tasks/{taskId}/escalate/", new { reason = "customers affected" });
        Assert.Equal(HttpStatusCode.OK, escalated.StatusCode);
        var newPriority = (string)(await escalated.ReadObjectAsync())["new_priority"]!;
        await app.DeliverAsync();

        Assert.Contains(issue.Comments, c => c.Contains("**Escalated** to level 1", StringComparison.Ordinal) && c.Contains(newPriority, StringComparison.Ordinal));
        Assert.Contains($"priority:{newPriority}", issue.Labels);
        Assert.NotEqual(priorityBefore, $"priority:{newPriority}");
        Assert.DoesNotContain(priorityBefore, issue.Labels);

        var task = await app.TaskAsync(taskId);
        if ((string?)task["status"] is "pending" or "escalated")
        {
            await app.HeartbeatAllAsync();
            await app.Sweep.ProcessPendingAsync(CancellationToken.None);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"{Api}/tasks/{taskId}/complete/", new { output_data = new { fixed_by = "rollback" } })).StatusCode);
        await app.DeliverAsync();

        Assert.Equal("closed", issue.State);
        Assert.Equal("completed", issue.StateReason);
        Assert.Contains(issue.Comments, c => c.Contains("**Completed**", StringComparison.Ordinal) && c.Contains("Retries: 1", StringComparison.Ordinal));
        Assert.Contains("status:completed", issue.Labels);
        Assert.Equal(before, app.GitHub.Issues.Count);
    }

    [Fact]
    public async Task A_person_creates_links_and_unlinks_an_issue_and_bad_requests_say_what_to_fix()
    {
        var client = app.CreateAdminClient();
        var created = await client.PostJsonAsync($"{Api}/tasks/", new { title = "Tidy the nightly report", task_type = "maintenance", priority = "low" });
        var taskId = Guid.Parse((string)(await created.ReadObjectAsync())["id"]!);
        Assert.Equal("none", (string?)(await app.TaskAsync(taskId))["github_issue_state"]);

        var preview = await (await client.GetAsync($"{Api}/tasks/{taskId}/github_issue/")).ReadObjectAsync();
        Assert.Contains("Tidy the nightly report", (string)preview["preview"]!["title"]!, StringComparison.Ordinal);
        Assert.Contains($"opsconsole-task: {taskId}", (string)preview["preview"]!["body"]!, StringComparison.Ordinal);

        var asked = await client.PostJsonAsync($"{Api}/tasks/{taskId}/github_issue/", new { });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        await app.DeliverAsync();
        var number = await app.IssueNumberAsync(taskId);
        Assert.Contains("Tidy the nightly report", app.GitHub.Issue(number).Title, StringComparison.Ordinal);

        // Asking again changes nothing.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJsonAsync($"{Api}/tasks/{taskId}/github_issue/", new { })).StatusCode);
        await app.DeliverAsync();
        Assert.Equal(number, await app.IssueNumberAsync(taskId));

        // Linking another issue needs an unlink first.
        var other = await client.PostJsonAsync($"{Api}/tasks/", new { title = "Another", task_type = "maintenance", priority = "low" });
        var otherId = Guid.Parse((string)(await other.ReadObjectAsync())["id"]!);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostJsonAsync($"{Api}/tasks/{taskId}/github_issue/", new { issue_number = 999 })).StatusCode);
        foreach (var wrong in new[] { """{"issue_number": "12"}""", """{"issue_number": 0}""", """{"issue_number": 1.5}""" })
        {
            var refused = await client.PostAsync($"{Api}/tasks/{taskId}/github_issue/", ApiTestExtensions.RawJson(wrong));
            Assert.Equal("issue_number must be a whole number from 1 to 2147483647", (string?)(await refused.ProblemAsync(HttpStatusCode.BadRequest))["detail"]);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"{Api}/tasks/{taskId}/github_issue/")).StatusCode);
        Assert.Equal("none", (string?)(await app.TaskAsync(taskId))["github_issue_state"]);

        // Link by number: the issue must exist; the task is introduced to it in a comment.
        var missing = await client.PostJsonAsync($"{Api}/tasks/{otherId}/github_issue/", new { issue_number = 99_999 });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("does not exist", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var linked = await client.PostJsonAsync($"{Api}/tasks/{otherId}/github_issue/", new { issue_number = number });
        Assert.Equal(HttpStatusCode.Accepted, linked.StatusCode);
        await app.DeliverAsync();
        Assert.Equal(number, await app.IssueNumberAsync(otherId));
        Assert.Contains(app.GitHub.Issue(number).Comments, c => c.Contains("now tracked by OpsConsole", StringComparison.Ordinal));

        foreach (var (body, field) in new[] { ("{\"issue_number\": \"seven\"}", "issue_number"), ("{\"issue_number\": 0}", "issue_number"), ("[1]", "") })
        {
            var bad = await client.PostRawAsync($"{Api}/tasks/{otherId}/github_issue/", body);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains(field, await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync($"{Api}/tasks/not-a-task/github_issue/", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostJsonAsync($"{Api}/tasks/{Guid.NewGuid()}/github_issue/", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Api}/tasks/{Guid.NewGuid()}/github_issue/")).StatusCode);
        var viewer = await app.CreateClientAsync(ApiRole.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync($"{Api}/tasks/{otherId}/github_issue/", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"{Api}/tasks/{otherId}/github_issue/")).StatusCode);
    }

    [Fact]
    public async Task A_bug_report_that_already_has_an_issue_is_linked_not_duplicated_and_one_without_gets_one()
    {
        var client = app.CreateAdminClient();
        await client.PostJsonAsync($"{Api}/tasks/", new { title = "seed an issue", task_type = "maintenance" });
        var seeded = Guid.Parse((string)(await (await client.GetAsync($"{Api}/tasks/?search=seed%20an%20issue")).ReadObjectAsync())["results"]![0]!["id"]!);
        await client.PostJsonAsync($"{Api}/tasks/{seeded}/github_issue/", new { });
        await app.DeliverAsync();
        var existing = await app.IssueNumberAsync(seeded);
        var issuesBefore = app.GitHub.Issues.Count;

        var withIssue = await client.PostJsonAsync($"{Api}/tasks/create_from_bug_report/", new
        {
            title = "Checkout total wrong",
            description = "Total ignores the discount",
            severity = "high",
            github_issue_number = existing,
        });
        Assert.Equal(HttpStatusCode.Created, withIssue.StatusCode);
        var linkedTask = Guid.Parse((string)(await withIssue.ReadObjectAsync())["id"]!);

        var without = await client.PostJsonAsync($"{Api}/tasks/create_from_bug_report/", new { title = "Avatar upload fails", description = "500 on upload", severity = "medium" });
        var ownTask = Guid.Parse((string)(await without.ReadObjectAsync())["id"]!);
        await app.DeliverAsync();

        Assert.Equal(issuesBefore + 1, app.GitHub.Issues.Count);
        var own = app.GitHub.Issue(await app.IssueNumberAsync(ownTask));
        Assert.StartsWith("🐛 ", own.Title, StringComparison.Ordinal);
        Assert.Contains("bug", own.Labels);
        Assert.Equal(existing, await app.IssueNumberAsync(linkedTask));
    }

    [Fact]
    public async Task A_completed_failure_that_comes_back_reopens_its_issue_and_observers_hear_IssueLinked()
    {
        await using var observer = TestAgent.HubFor(app, OpsConsoleFactory.BootstrapKey);
        var linked = System.Threading.Channels.Channel.CreateUnbounded<JsonObject>();
        observer.On<System.Text.Json.JsonElement>("IssueLinked", e => linked.Writer.TryWrite(JsonNode.Parse(e.GetRawText())!.AsObject()));
        await observer.StartAsync();

        var deployment = $"deploy-{Guid.NewGuid():N}"[..20];
        var first = await app.ProductionFailureAsync(deployment);
        await app.DeliverAsync();

        using var timeout = new CancellationTokenSource(TestAgent.EventTimeout);
        JsonObject heard;
        do
        {
            heard = await linked.Reader.ReadAsync(timeout.Token);
        }
        while ((string?)heard["task_id"] != first.ToString() || (string?)heard["github_issue_state"] != "synced");
        var number = (int)heard["github_issue_number"]!;
        Assert.Equal(app.GitHub.Issue(number).Number, await app.IssueNumberAsync(first));

        var client = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"{Api}/tasks/{first}/complete/", new { })).StatusCode);
        await app.DeliverAsync();
        Assert.Equal("closed", app.GitHub.Issue(number).State);

        var regression = await app.ProductionFailureAsync(deployment, "Deployment failed again: migration 0042 timed out");
        Assert.NotEqual(first, regression);
        await app.DeliverAsync();

        var issue = app.GitHub.Issue(number);
        Assert.Equal("open", issue.State);
        Assert.Contains(issue.Comments, c => c.Contains("**Regression**", StringComparison.Ordinal) && c.Contains(regression.ToString(), StringComparison.Ordinal));
        Assert.Equal(number, await app.IssueNumberAsync(regression));
        Assert.Single(app.GitHub.Issues, i => i.Title.Contains(deployment, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_issue_closed_on_GitHub_by_a_person_completes_its_task_and_the_task_records_who()
    {
        var taskId = await app.ProductionFailureAsync();
        await app.DeliverAsync();
        var number = await app.IssueNumberAsync(taskId);

        var payload = new JsonObject
        {
            ["action"] = "closed",
            ["issue"] = new JsonObject { ["number"] = number, ["state"] = "closed", ["state_reason"] = "completed" },
            ["repository"] = new JsonObject { ["full_name"] = $"{FakeGitHub.Owner}/{FakeGitHub.Repo}" },
            ["sender"] = new JsonObject { ["login"] = "octocat" },
        }.ToJsonString();
        var bytes = Encoding.UTF8.GetBytes(payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Api}/webhooks/github") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", "issues");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add(GitHubSignature.Header, GitHubSignature.Sign(bytes, GitHubApp.WebhookSecret));
        var response = await app.CreateClientWithToken(null).SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var task = await app.TaskAsync(taskId);
        Assert.Equal("completed", (string?)task["status"]);
        await using var db = await app.DbAsync();
        Assert.True(await db.LogEntries.AnyAsync(l => l.WorkItemId == taskId && l.Actor == "github:octocat"));
    }
}
