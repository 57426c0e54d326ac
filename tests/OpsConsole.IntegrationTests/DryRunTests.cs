using Microsoft.EntityFrameworkCore;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>The app with Orchestration:DryRun=true.</summary>
public sealed class DryRunFactory : OpsConsoleFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Orchestration:DryRun", "true")];
}

/// <summary>Dry run: the engine detects, scores and reports, but writes nothing and assigns nothing.</summary>
public sealed class DryRunTests(DryRunFactory app) : IClassFixture<DryRunFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task A_created_task_is_stored_but_not_assigned()
    {
        var task = await admin.CreateTaskAsync($"dry {Routes.Tag()}", taskType: "deployment", priority: "emergency");

        Assert.Equal("pending", (string?)task["status"]);
        Assert.Null(task["assigned_agent"]);
        var stored = await admin.GetTaskAsync(Id(task));
        Assert.Equal("pending", (string?)stored["status"]);
        Assert.Empty(await admin.GetArrayAsync($"{Routes.Task(Id(task))}assignments/"));
        var answer = await admin.PostEmptyAsync($"{Routes.Status}process_pending_tasks/").ObjectAsync();
        Assert.Equal(0, (int?)answer["assigned_count"]);
        Assert.Equal("pending", (string?)(await admin.GetTaskAsync(Id(task)))["status"]);
    }

    [Fact]
    public async Task Status_says_the_engine_runs_dry()
    {
        var status = await admin.GetObjectAsync($"{Routes.Status}status/");

        Assert.True((bool)status["dry_run"]!);
    }

    [Fact]
    public async Task A_sweep_reports_what_it_would_do_but_writes_nothing()
    {
        var task = await admin.CreateTaskAsync($"dry-sweep {Routes.Tag()}", taskType: "deployment", priority: "medium", dueDate: Iso(app.Now().AddMinutes(5)));
        var logsBefore = (await admin.LogsAsync(Id(task))).Count;
        int assignmentsBefore, healthBefore;
        await using (var db = await app.DbAsync())
        {
            assignmentsBefore = await db.Assignments.CountAsync();
            healthBefore = await db.HealthSamples.CountAsync();
        }

        var report = await app.AdvanceAndSweepAsync(TimeSpan.FromHours(2));

        Assert.Contains(report.Decisions, d => d.Contains("would assign", StringComparison.Ordinal));
        Assert.Contains(report.Decisions, d => d.Contains("offline", StringComparison.Ordinal));
        Assert.Contains(report.Decisions, d => d.Contains("escalated", StringComparison.Ordinal));
        var after = await admin.GetTaskAsync(Id(task));
        Assert.Equal("pending", (string?)after["status"]);
        Assert.Equal("medium", (string?)after["priority"]);
        Assert.Equal(0, (int?)after["escalation_level"]);
        Assert.Equal(logsBefore, (await admin.LogsAsync(Id(task))).Count);
        var agents = Results(await admin.GetObjectAsync($"{Routes.Agents}?page_size=100"));
        Assert.All(agents, a => Assert.NotEqual("offline", (string?)a["status"]));
        await using (var db = await app.DbAsync())
        {
            Assert.Equal(assignmentsBefore, await db.Assignments.CountAsync());
            Assert.Equal(healthBefore, await db.HealthSamples.CountAsync());
        }
    }
}
