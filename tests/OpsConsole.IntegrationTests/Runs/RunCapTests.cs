using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Runs;

/// <summary>
/// The run-time cap (#15 part 2): max_run_minutes on create, PATCH and as a task_creation rule action; a run longer than that
/// is revoked (TaskRevoked "timed out") and counts as a failure "timed out after N minutes".
/// </summary>
public sealed class RunCapTests
{
    private const string Primary = "DeploymentAgent-Primary";

    [Fact]
    public async Task A_run_longer_than_max_run_minutes_is_revoked_and_counts_as_a_failure()
    {
        await using var app = new OpsConsoleFactory();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var revoked = new HubEvents(primary.Hub, "TaskRevoked");
        var created = await app.CreateTaskAsync(new { title = $"capped {Routes.Tag()}", task_type = "deployment", priority = "critical", max_run_minutes = 30 });
        Assert.Equal(30, (int?)created["max_run_minutes"]);
        var taskId = Id(created);
        await primary.NextAssignedAsync();
        await primary.InvokeAsync("StartTask", taskId.ToString());

        // Busy and reporting all along: it is the cap, not a stall, that stops it.
        for (var minute = 0; minute < 28; minute += 7)
        {
            await app.HeartbeatAllAsync();
            await primary.InvokeAsync("ReportProgress", taskId.ToString(), new { message = $"minute {minute}" });
            await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(7));
        }

        Assert.Equal("in_progress", Str(await app.TaskAsync(taskId), "status"));
        await app.HeartbeatAllAsync();
        await primary.InvokeAsync("ReportProgress", taskId.ToString(), new { message = "almost" });
        var sweep = await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(3));

        Assert.Equal(1, sweep.Stopped);
        var told = await revoked.NextAsync();
        Assert.Equal(taskId.ToString(), (string?)told["task_id"]);
        Assert.Equal("timed out", (string?)told["reason"]);
        var task = await app.TaskAsync(taskId);
        Assert.Equal(1, (int?)task["retry_count"]);
        Assert.Contains("timed out after 30 minutes", Str(task, "error_details"));
        var attempt = (await app.CreateAdminClient().GetArrayAsync($"{Routes.Task(taskId)}attempts/"))[0]!;
        Assert.Equal("timed_out", (string?)attempt["outcome"]);
        Assert.Equal("timed out after 30 minutes", (string?)attempt["error_message"]);
        Assert.Contains(await app.LogsAsync(taskId), l => (string?)l!["step_name"] == "timed_out");
        await (await primary.PostAsync($"tasks/{taskId}/progress/", new { message = "done" })).ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Max_run_minutes_is_checked_on_create_and_patch_and_can_be_cleared()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        var message = await admin.PostJsonAsync(Routes.Tasks, new { title = "zero", task_type = "testing", max_run_minutes = 0 }).FieldErrorAsync("max_run_minutes");
        Assert.Contains("1 to 10080", message);
        await admin.PostJsonAsync(Routes.Tasks, new { title = "a week and a minute", task_type = "testing", max_run_minutes = 10_081 }).FieldErrorAsync("max_run_minutes");
        await admin.PostJsonAsync(Routes.Tasks, new { title = "text", task_type = "testing", max_run_minutes = "soon" }).FieldErrorAsync("max_run_minutes");
        var id = Id(await admin.CreateTaskAsync($"cap later {Routes.Tag()}", autoAssign: false));
        Assert.Null((int?)(await admin.GetTaskAsync(id))["max_run_minutes"]);

        Assert.Equal(10_080, (int?)(await admin.PatchJsonAsync(Routes.Task(id), new { max_run_minutes = 10_080 }).ObjectAsync())["max_run_minutes"]);
        await admin.PatchJsonAsync(Routes.Task(id), new { max_run_minutes = -5 }).FieldErrorAsync("max_run_minutes");
        var cleared = await admin.PatchJsonAsync(Routes.Task(id), new Dictionary<string, object?> { ["max_run_minutes"] = null }).ObjectAsync();
        Assert.Null((int?)cleared["max_run_minutes"]);
    }

    [Fact]
    public async Task A_task_creation_rule_caps_runs_and_budgets_new_tasks_and_bad_values_are_refused()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        var tag = Routes.Tag();
        await admin.PostJsonAsync(Routes.Rules, new
        {
            name = $"cap agents {tag}",
            rule_type = "task_creation",
            trigger_conditions = new { title_contains = tag },
            actions = new { max_run_minutes = 45, max_cost_usd = 2.5 },
        }).ObjectAsync(HttpStatusCode.Created);

        var task = await admin.CreateTaskAsync($"agent work {tag}", autoAssign: false);

        Assert.Equal(45, (int?)task["max_run_minutes"]);
        Assert.Equal(2.5m, (decimal?)task["budget_usd"]);
        Assert.Contains(await admin.LogsAsync(Id(task)), l => (string?)l["step_name"] == "rule" && Str(l, "message").Contains("runs capped at 45 min"));
        var refused = await admin.PostJsonAsync(Routes.Rules, new { name = $"bad {tag}", rule_type = "task_creation", trigger_conditions = new { }, actions = new { max_run_minutes = 0 } })
            .FieldErrorAsync("actions");
        Assert.Contains("max_run_minutes", refused);
        var noBudget = await admin.PostJsonAsync(Routes.Rules, new { name = $"bad2 {tag}", rule_type = "task_creation", trigger_conditions = new { }, actions = new { max_cost_usd = 0 } })
            .FieldErrorAsync("actions");
        Assert.Contains("max_cost_usd", noBudget);
    }
}
