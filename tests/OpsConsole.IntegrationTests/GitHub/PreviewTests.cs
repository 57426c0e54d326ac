using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.GitHub;

/// <summary>POST preview/ answers what would happen with the same decisions as real creation, and writes nothing.</summary>
public sealed partial class PreviewTests(GitHubApp app) : IClassFixture<GitHubApp>
{
    private const string Preview = $"{Routes.Base}/preview/";
    private readonly HttpClient admin = app.CreateAdminClient();

    /// <summary>Everything a preview could write: rows of every kind, audit, trigger counts, GitHub calls.</summary>
    private async Task<string> FootprintAsync()
    {
        await app.DeliverAsync(); // earlier tests' issues delivered first, so any GitHub call counted is this test's
        await using var db = await app.DbAsync();
        return string.Join(" ",
            await db.WorkItems.CountAsync(), await db.LogEntries.CountAsync(), await db.AuditEntries.CountAsync(), await db.FailureRecords.CountAsync(),
            await db.IssueOutbox.CountAsync(), await db.Assignments.CountAsync(), await db.Rules.SumAsync(r => r.TriggerCount), app.GitHub.Requests.Count);
    }

    private static object Failure(string deployment, string message) => new
    {
        deployment_id = deployment,
        error_message = message,
        failed_step = "migrate",
        environment = "production",
        hostname = "web-1",
    };

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex TaskIds();

    [Fact]
    public async Task A_failure_preview_writes_nothing_and_real_creation_then_chooses_the_same_agent_score_and_issue_text()
    {
        await app.HeartbeatAllAsync();
        var deployment = $"deploy-{Guid.NewGuid():N}"[..20];
        var before = await FootprintAsync();

        var preview = await admin.PostJsonAsync(Preview, new { failure = Failure(deployment, "Deployment failed: migration 0042 timed out") }).ObjectAsync();

        Assert.Equal(before, await FootprintAsync());
        Assert.Equal("create", (string?)preview["outcome"]);
        Assert.Contains(preview["rules"]!.AsArray(), r => (string?)r!["name"] == "Production failures are due within the hour");
        Assert.Contains(preview["rules"]!.AsArray(), r => (string?)r!["name"] == "Retry failures with exponential backoff");
        Assert.Equal("production", (string?)preview["task"]!["environment"]);
        Assert.Null(preview["task"]!["max_run_minutes"]);
        var agent = preview["agent"]!;
        Assert.Contains(preview["candidates"]!.AsArray(), c => (string?)c!["agent_name"] == (string?)agent["name"] && (bool)c["eligible"]! && (string?)c["reason"] == "chosen");
        Assert.Contains(preview["plan"]!.AsArray(), p => (string?)p!["action"] == "escalate");
        var issue = preview["github_issue"]!;

        var response = await admin.PostJsonAsync($"{Routes.Base}/failures/", Failure(deployment, "Deployment failed: migration 0042 timed out"));
        var taskId = Guid.Parse((string)(await response.ReadObjectAsync())["results"]![0]!["task_id"]!);
        var created = await admin.GetTaskAsync(taskId);
        Assert.Equal((string?)agent["name"], (string?)created["assigned_agent_name"]);
        var assignment = (await admin.GetArrayAsync($"{Routes.Task(taskId)}assignments/"))[0]!;
        Assert.Equal((double)agent["score"]!, (double)assignment["score"]!, 4);
        Assert.Equal((string?)preview["fingerprint"], (string?)created["fingerprint"]);

        // The issue as the outbox writes it for the created (and assigned) task; the delivered one is that text unless a
        // background delivery overtook the assignment (then its status and agent rows say "pending", "not yet assigned").
        await using (var db = await app.DbAsync())
        {
            var real = await db.WorkItems.Include(w => w.AssignedAgent).SingleAsync(w => w.Id == taskId);
            var draft = app.Outbox.Draft(real);
            Assert.Equal(draft.Title, (string?)issue["title"]);
            Assert.Equal(TaskIds().Replace(draft.Body, "ID"), TaskIds().Replace((string)issue["body"]!, "ID"));
            Assert.Equal(draft.Labels.Select(l => l.Name).Order(), issue["labels"]!.AsArray().Select(l => (string?)l).Order());
            Assert.Equal(draft.Assignee, (string?)issue["assignee"]);
        }

        await app.DeliverAsync();
        var delivered = app.GitHub.Issues.Single(i => i.Body.Contains(taskId.ToString(), StringComparison.Ordinal));
        Assert.Equal((string?)issue["title"], delivered.Title);
    }

    [Fact]
    public async Task A_repeat_of_an_open_failure_previews_as_deduplicate_naming_the_open_task()
    {
        var deployment = $"deploy-{Guid.NewGuid():N}"[..20];
        var taskId = await app.ProductionFailureAsync(deployment, "Deployment failed: disk full");
        var before = await FootprintAsync();

        var preview = await admin.PostJsonAsync(Preview, new { failure = Failure(deployment, "Deployment failed: disk full") }).ObjectAsync();

        Assert.Equal("deduplicate", (string?)preview["outcome"]);
        Assert.Equal(taskId.ToString(), (string?)preview["existing_task_id"]);
        Assert.Equal(before, await FootprintAsync());
    }

    [Fact]
    public async Task A_task_preview_shows_rules_candidates_and_the_schedule_if_every_attempt_fails_and_writes_nothing()
    {
        await app.HeartbeatAllAsync();
        var tag = Routes.Tag();
        await admin.PostJsonAsync(Routes.Rules, new
        {
            name = $"preview retries {tag}",
            rule_type = "failure_handling",
            trigger_conditions = new { title_contains = tag },
            actions = new { max_retries = 2, retry_base_seconds = 30, on_exhausted = "needs_attention" },
            priority = 1,
        }).ObjectAsync(HttpStatusCode.Created);
        var before = await FootprintAsync();

        var preview = await admin.PostJsonAsync(Preview, new
        {
            task = new { title = $"preview {tag}", task_type = "bug_fix", priority = "high", max_run_minutes = 45, budget_usd = 2.5 },
        }).ObjectAsync();

        Assert.Equal(before, await FootprintAsync());
        Assert.Equal("create", (string?)preview["outcome"]);
        Assert.Equal(2, (int?)preview["task"]!["max_retries"]);
        Assert.Equal(45, (double?)preview["task"]!["max_run_minutes"]);
        Assert.Equal(2.5, (double?)preview["task"]!["budget_usd"]);
        Assert.NotNull(preview["agent"]);
        Assert.Contains(preview["candidates"]!.AsArray(), c => !(bool)c!["eligible"]! && Str(c, "reason").StartsWith("cannot take bug_fix", StringComparison.Ordinal));
        var plan = preview["plan"]!.AsArray().Select(p => ((string)p!["action"]!, (double)p["after_seconds"]!)).ToList();
        Assert.Equal([("retry", 30.0), ("retry", 90.0), ("needs_attention", 90.0)], plan);
    }

    [Fact]
    public async Task A_preview_needs_exactly_one_of_failure_or_task_and_names_bad_fields()
    {
        Assert.Contains("exactly one", await admin.PostJsonAsync(Preview, new { }).FieldErrorAsync("failure"));
        Assert.Contains("title", await admin.PostJsonAsync(Preview, new { task = new { task_type = "bug_fix" } }).FieldErrorAsync("task.title"));
        Assert.Contains("non-negative", await admin.PostJsonAsync(Preview, new { task = new { title = "x", task_type = "bug_fix", budget_usd = -1 } }).FieldErrorAsync("budget_usd"));
        var viewer = await app.ClientAsync(OpsConsole.Domain.ApiRole.Viewer);
        await viewer.PostJsonAsync(Preview, new { task = new { title = "x", task_type = "bug_fix" } }).ProblemAsync(HttpStatusCode.Forbidden);
    }
}
