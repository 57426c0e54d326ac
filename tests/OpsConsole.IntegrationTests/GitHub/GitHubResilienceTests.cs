using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.GitHub;

internal static class Delivery
{
    /// <summary>Runs passes until the outbox is empty or stops on a pause (at most <paramref name="passes"/>).</summary>
    public static async Task<OpsConsole.Integrations.GitHub.OutboxPass> DrainAsync(this GitHubOpsConsole app, int passes = 5)
    {
        var pass = await app.DeliverAsync();
        for (var i = 1; i < passes && pass.Pending > 0 && pass.StoppedBecause is null; i++)
        {
            pass = await app.DeliverAsync();
        }

        return pass;
    }

    public static int IssuesFor(this FakeGitHub github, Guid taskId) =>
        github.Issues.Count(i => i.Body.Contains($"opsconsole-task: {taskId}", StringComparison.Ordinal));
}

/// <summary>GitHub hanging and then down: nothing is lost or duplicated, GitHub is not hammered, and everything goes out once, in order, when it is back.</summary>
public sealed class GitHubOutageTests(GitHubOpsConsole app) : IClassFixture<GitHubOpsConsole>
{
    [Fact]
    public async Task Changes_made_while_GitHub_times_out_and_is_down_are_delivered_once_in_order_when_it_is_back()
    {
        app.GitHub.HangNext(1);
        var first = await app.ProductionFailureAsync();
        await app.DeliverAsync();
        Assert.Empty(app.GitHub.Issues);

        app.GitHub.Down = true;
        var second = await app.ProductionFailureAsync();
        var third = await app.ProductionFailureAsync();
        var requestsWhenDown = app.GitHub.Requests.Count;
        app.Time.Advance(TimeSpan.FromSeconds(6)); // past the first backoff (5 s): the next pass tries, fails, and waits longer
        for (var i = 0; i < 5; i++)
        {
            var pass = await app.DeliverAsync();
            Assert.NotNull(pass.StoppedBecause);
            app.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Empty(app.GitHub.Issues);
        Assert.Equal(1, app.GitHub.Requests.Count - requestsWhenDown); // a failing GitHub is not hammered: one try, then the backoff
        var waiting = await app.TaskAsync(second);
        Assert.True((string?)waiting["github_issue_state"] == "pending", waiting.ToJsonString());

        var status = await (await app.CreateAdminClient().GetAsync($"{GitHubTestApi.Api}/integrations/github/")).ReadObjectAsync();
        Assert.Equal("paused", (string?)status["state"]);
        Assert.True((int)status["backlog"]!["pending"]! >= 3, "three issues (and their label changes) wait");
        Assert.Equal(3, (int)status["backlog"]!["local_issues"]!);
        Assert.NotNull(status["last_error"]);

        var health = app.Services.GetRequiredService<OpsConsole.Features.Health.HealthService>();
        var sample = (await health.SnapshotAsync(false, CancellationToken.None)).Single(h => h.Component == "github");
        Assert.Equal(OpsConsole.Domain.HealthState.Warning, sample.Status);
        Assert.Contains("\"state\":\"paused\"", sample.MetricValue, StringComparison.Ordinal);

        app.GitHub.Down = false;
        app.Time.Advance(TimeSpan.FromMinutes(15));
        var drained = await app.DrainAsync();

        Assert.Equal(0, drained.Pending);
        Assert.Equal(1, app.GitHub.IssuesFor(first));
        Assert.Equal(1, app.GitHub.IssuesFor(second));
        Assert.Equal(1, app.GitHub.IssuesFor(third));
        var numbers = new[] { first, second, third }.Select(t => app.GitHub.Issues.Single(i => i.Body.Contains(t.ToString(), StringComparison.Ordinal)).Number).ToList();
        Assert.Equal(numbers.Order().ToList(), numbers);
        Assert.Equal(numbers[1], await app.IssueNumberAsync(second));
        Assert.Equal(OpsConsole.Domain.HealthState.Healthy, (await health.SnapshotAsync(false, CancellationToken.None)).Single(h => h.Component == "github").Status);
    }
}

/// <summary>A 429 with Retry-After and a 403 secondary limit pause every delivery for as long as GitHub asks (at least a minute).</summary>
public sealed class GitHubRateLimitTests(GitHubOpsConsole app) : IClassFixture<GitHubOpsConsole>
{
    [Fact]
    public async Task Retry_after_and_the_secondary_limit_are_waited_out_before_anything_else_is_sent()
    {
        app.GitHub.FailNext(1, 429, ("Retry-After", "120"));
        var task = await app.ProductionFailureAsync();
        await app.DeliverAsync();
        Assert.Equal(0, app.GitHub.IssuesFor(task));

        var requests = app.GitHub.Requests.Count;
        app.Time.Advance(TimeSpan.FromSeconds(90));
        var early = await app.DeliverAsync();
        Assert.NotNull(early.NextDueAt);
        Assert.Equal(requests, app.GitHub.Requests.Count);

        app.Time.Advance(TimeSpan.FromSeconds(31));
        await app.DrainAsync();
        Assert.Equal(1, app.GitHub.IssuesFor(task));

        // A secondary limit without Retry-After: at least a minute.
        app.GitHub.FailNext(1, 403);
        var next = await app.ProductionFailureAsync();
        await app.DeliverAsync();
        app.Time.Advance(TimeSpan.FromSeconds(45));
        await app.DeliverAsync();
        Assert.Equal(0, app.GitHub.IssuesFor(next));

        app.Time.Advance(TimeSpan.FromSeconds(16));
        await app.DrainAsync();
        Assert.Equal(1, app.GitHub.IssuesFor(next));

        var status = await (await app.CreateAdminClient().GetAsync($"{GitHubTestApi.Api}/integrations/github/")).ReadObjectAsync();
        Assert.Equal(2, (int)status["rate_limit"]!["rate_limit_hits"]!);
        Assert.NotNull(status["rate_limit"]!["remaining"]);
    }
}

/// <summary>
/// A 403 or 429 that carries Retry-After or X-RateLimit-Remaining: 0 is a rate limit whatever its wording: waited out as
/// told, never taken for a permission error (which would pause delivery far longer and say the token lacks a permission).
/// </summary>
public sealed class GitHubRateLimitHeaderTests(GitHubOpsConsole app) : IClassFixture<GitHubOpsConsole>
{
    [Fact]
    public async Task A_403_with_Retry_After_but_not_GitHubs_wording_is_a_rate_limit_waited_out_as_told()
    {
        var hitsBefore = (int)(await StatusAsync())["rate_limit"]!["rate_limit_hits"]!;
        app.GitHub.FailNextSaying(1, 403, "Forbidden", ("Retry-After", "30"));
        var task = await app.ProductionFailureAsync();
        await app.DeliverAsync();
        var paused = await StatusAsync();

        app.Time.Advance(TimeSpan.FromSeconds(29));
        await app.DeliverAsync();
        Assert.Equal(0, app.GitHub.IssuesFor(task));
        app.Time.Advance(TimeSpan.FromSeconds(2));
        await app.DrainAsync();

        Assert.Equal(1, app.GitHub.IssuesFor(task));
        Assert.Equal(hitsBefore + 1, (int)paused["rate_limit"]!["rate_limit_hits"]!);
        Assert.DoesNotContain("permission", paused.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<System.Text.Json.Nodes.JsonObject> StatusAsync() =>
        await (await app.CreateAdminClient().GetAsync($"{GitHubTestApi.Api}/integrations/github/")).ReadObjectAsync();

    [Fact]
    public async Task A_403_with_the_quota_used_up_waits_for_the_reset_it_names()
    {
        var reset = app.Now().AddMinutes(5).ToUnixTimeSeconds();
        app.GitHub.FailNextSaying(1, 403, "Forbidden", ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var task = await app.ProductionFailureAsync();
        await app.DeliverAsync();

        app.Time.Advance(TimeSpan.FromMinutes(4));
        await app.DeliverAsync();
        Assert.Equal(0, app.GitHub.IssuesFor(task));
        app.Time.Advance(TimeSpan.FromSeconds(61));
        await app.DrainAsync();

        Assert.Equal(1, app.GitHub.IssuesFor(task));
    }
}

/// <summary>GitHub created the issue but its answer never arrived (as if we crashed before committing): the retry finds it by its marker.</summary>
public sealed class GitHubLostAnswerTests(GitHubOpsConsole app) : IClassFixture<GitHubOpsConsole>
{
    [Fact]
    public async Task A_create_whose_answer_was_lost_is_found_by_its_marker_and_never_created_twice()
    {
        app.GitHub.LoseNextCreateAnswer();
        var task = await app.ProductionFailureAsync();
        await app.DeliverAsync();
        Assert.Equal(1, app.GitHub.IssuesFor(task));
        Assert.NotEqual("synced", (string?)(await app.TaskAsync(task))["github_issue_state"]);

        app.Time.Advance(TimeSpan.FromMinutes(15));
        await app.DrainAsync();

        Assert.Equal(1, app.GitHub.IssuesFor(task));
        Assert.Equal(app.GitHub.Issues.Single(i => i.Body.Contains(task.ToString(), StringComparison.Ordinal)).Number, await app.IssueNumberAsync(task));
    }
}

/// <summary>The app allowed 80 writes a minute against a burst of 100 escalations.</summary>
public sealed class GitHubBurstTests(GitHubOpsConsole app) : IClassFixture<GitHubOpsConsole>
{
    [Fact]
    public async Task A_burst_of_100_escalations_opens_100_issues_without_ever_exceeding_80_writes_a_minute()
    {
        var client = app.CreateAdminClient();
        var ids = new List<Guid>();
        for (var i = 0; i < 100; i++)
        {
            var created = await client.PostJsonAsync($"{GitHubTestApi.Api}/tasks/", new { title = $"Queue {i} backs up", task_type = "system_monitoring", priority = "medium", auto_assign = false });
            ids.Add(Guid.Parse((string)(await created.ReadObjectAsync())["id"]!));
        }

        foreach (var id in ids)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"{GitHubTestApi.Api}/tasks/{id}/escalate/", new { reason = "burst" })).StatusCode);
        }

        var pass = await app.DrainAsync();
        Assert.True(app.GitHub.Issues.Count < 100, "the first minute cannot hold 100 creates");
        Assert.NotNull(pass.NextDueAt);

        for (var minute = 0; minute < 3 && app.GitHub.Issues.Count < 100; minute++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(61));
            await app.DrainAsync();
        }

        Assert.All(ids, id => Assert.Equal(1, app.GitHub.IssuesFor(id)));
        var writes = app.GitHub.Writes.Order().ToList();
        var worst = writes.Max(t => writes.Count(w => w > t.AddMinutes(-1) && w <= t));
        Assert.True(worst <= 80, $"{worst} writes within one minute");
        Assert.DoesNotContain(app.GitHub.Requests, r => r.Status is 403 or 429);
        await using var db = await app.DbAsync();
        Assert.Equal(0, await db.IssueOutbox.CountAsync(r => r.DeliveredAt == null));
    }
}

/// <summary>No token: the issue lives locally, nothing is sent; once a token is configured (restart) it is synced.</summary>
public sealed class GitHubLocalIssueTests
{
    private sealed class WithoutToken(string directory) : GitHubOpsConsole(directory)
    {
        protected override bool WithToken => false;
    }

    private sealed class WithToken(string directory) : GitHubOpsConsole(directory);

    [Fact]
    public async Task Without_a_token_the_issue_is_local_and_it_is_created_once_a_token_is_configured()
    {
        var directory = OpsConsoleFactory.NewDataDirectory();
        Guid task;
        await using (var local = new WithoutToken(directory))
        {
            await local.InitializeAsync();
            task = await local.ProductionFailureAsync();
            var pass = await local.DeliverAsync();

            Assert.Contains("not configured", pass.StoppedBecause, StringComparison.Ordinal);
            Assert.Equal("local", (string?)(await local.TaskAsync(task))["github_issue_state"]);
            Assert.Empty(local.GitHub.Requests);
            var status = await (await local.CreateAdminClient().GetAsync($"{GitHubTestApi.Api}/integrations/github/")).ReadObjectAsync();
            Assert.Equal("not_configured", (string?)status["state"]);
            Assert.Equal(1, (int)status["backlog"]!["local_issues"]!);
            await local.GitHub.DisposeAsync();
        }

        await using var synced = new WithToken(directory);
        await synced.InitializeAsync();
        await synced.DrainAsync();

        Assert.Equal(1, synced.GitHub.IssuesFor(task));
        Assert.Equal(synced.GitHub.Issues[0].Number, await synced.IssueNumberAsync(task));
        await synced.GitHub.DisposeAsync();
    }
}

/// <summary>Dry-run: the issue is written to the log and shown, nothing is sent.</summary>
public sealed class GitHubDryRunTests(GitHubDryRunTests.DryRunApp app) : IClassFixture<GitHubDryRunTests.DryRunApp>
{
    public sealed class DryRunApp : GitHubOpsConsole
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("Orchestration:DryRun", "true")];
    }

    [Fact]
    public async Task In_dry_run_the_issue_is_previewed_and_logged_but_nothing_reaches_GitHub()
    {
        var client = app.CreateAdminClient();
        var created = await client.PostJsonAsync($"{GitHubTestApi.Api}/tasks/", new { title = "Rotate the TLS certificate", task_type = "maintenance", priority = "high" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = Guid.Parse((string)(await created.ReadObjectAsync())["id"]!);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJsonAsync($"{GitHubTestApi.Api}/tasks/{id}/github_issue/", new { })).StatusCode);

        var pass = await app.DeliverAsync();

        Assert.Contains("dry-run", pass.StoppedBecause, StringComparison.Ordinal);
        Assert.Empty(app.GitHub.Requests);
        var preview = await (await client.GetAsync($"{GitHubTestApi.Api}/tasks/{id}/github_issue/")).ReadObjectAsync();
        Assert.True((bool)preview["dry_run"]!);
        Assert.Contains("Rotate the TLS certificate", (string)preview["preview"]!["title"]!, StringComparison.Ordinal);
        Assert.Equal("open", (string?)preview["changes"]![0]!["kind"]);
        // The file sink may reach the disk a moment after the pass returns (a busy machine).
        await Eventually.TrueAsync(() => Directory.GetFiles(Path.Combine(app.DataDirectory, "logs")).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }).Any(text => text.Contains("[dry-run] Would open a GitHub issue", StringComparison.Ordinal) && text.Contains("Rotate the TLS certificate", StringComparison.Ordinal)),
            "the dry-run preview in the log file");
    }
}

/// <summary>A change GitHub refuses for good fails that task's issue only; the others go on, and a person retries it.</summary>
public sealed class GitHubRefusedChangeTests(GitHubOpsConsole app) : IClassFixture<GitHubOpsConsole>
{
    [Fact]
    public async Task A_refused_change_marks_its_issue_failed_without_holding_up_others_and_retry_delivers_it()
    {
        app.GitHub.FailNext(1, 422);
        var refused = await app.ProductionFailureAsync();
        await app.DeliverAsync();
        var failed = await app.TaskAsync(refused);
        Assert.Equal("failed", (string?)failed["github_issue_state"]);

        var other = await app.ProductionFailureAsync();
        await app.DrainAsync();
        Assert.Equal(1, app.GitHub.IssuesFor(other));
        Assert.Equal(0, app.GitHub.IssuesFor(refused));
        var status = await (await app.CreateAdminClient().GetAsync($"{GitHubTestApi.Api}/integrations/github/")).ReadObjectAsync();
        Assert.Equal("failing", (string?)status["state"]);

        var retry = await app.CreateAdminClient().PostJsonAsync($"{GitHubTestApi.Api}/tasks/{refused}/github_issue/retry/", new { });
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        await app.DrainAsync();

        Assert.Equal(1, app.GitHub.IssuesFor(refused));
        Assert.Equal(app.GitHub.Issues.Single(i => i.Body.Contains(refused.ToString(), StringComparison.Ordinal)).Number, await app.IssueNumberAsync(refused));
    }
}
