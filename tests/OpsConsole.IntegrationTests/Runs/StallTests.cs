using System.Net;
using Microsoft.AspNetCore.SignalR;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Runs;

/// <summary>
/// Stall detection (#15 part 1): a run whose agent still heartbeats but reports nothing for Orchestration:StallTimeoutSeconds is
/// taken back on the safety sweep, the agent hears TaskRevoked and its later reports are refused, the task goes to another
/// agent without using a retry, and a second stall of the same task is a failure.
/// </summary>
public sealed class StallTests
{
    private const string Primary = "DeploymentAgent-Primary";

    [Fact]
    public async Task A_stalled_run_is_revoked_reassigned_elsewhere_without_a_retry_and_its_agents_late_report_is_refused()
    {
        await using var app = new StallingConsole();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var revoked = new HubEvents(primary.Hub, "TaskRevoked");
        var taskId = Id(await app.CreateTaskAsync(new { title = $"stall {Routes.Tag()}", task_type = "deployment", priority = "critical" }));
        Assert.Equal(taskId.ToString(), (string?)(await primary.NextAssignedAsync())["id"]);
        await primary.InvokeAsync("StartTask", taskId.ToString());

        // A report inside the timeout keeps the run alive; only silence counts.
        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(100));
        await primary.InvokeAsync("ReportProgress", taskId.ToString(), new { message = "still compiling" });
        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(100));
        await app.HeartbeatAllAsync();
        Assert.Equal("in_progress", (string?)(await app.TaskAsync(taskId))["status"]);

        var sweep = await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, sweep.Stopped);
        var told = await revoked.NextAsync();
        Assert.Equal(taskId.ToString(), (string?)told["task_id"]);
        Assert.Equal("stalled", (string?)told["reason"]);
        var task = await app.TaskAsync(taskId);
        Assert.Equal("assigned", (string?)task["status"]);
        Assert.NotEqual(Primary, (string?)task["assigned_agent_name"]);
        Assert.Equal(0, (int?)task["retry_count"]);
        var stalled = Assert.Single(await app.LogsAsync(taskId), l => (string?)l!["step_name"] == "stalled")!;
        Assert.Contains("no report for", (string?)stalled["message"]);

        await (await primary.PostAsync($"tasks/{taskId}/progress/", new { message = "done at last" })).ProblemAsync(HttpStatusCode.Conflict);
        var refused = await Assert.ThrowsAsync<HubException>(() => primary.InvokeAsync("CompleteTask", taskId.ToString(), null));
        Assert.Contains("no longer holds", refused.Message);
    }

    [Fact]
    public async Task A_second_stall_of_the_same_task_counts_as_a_failure()
    {
        await using var app = new StallingConsole();
        var admin = app.CreateAdminClient();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var taskId = Id(await app.CreateTaskAsync(new { title = $"stall twice {Routes.Tag()}", task_type = "deployment", priority = "critical" }));
        await primary.NextAssignedAsync();
        await primary.InvokeAsync("StartTask", taskId.ToString());
        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(StallingConsole.StallSeconds + 5));
        var second = Str(await app.TaskAsync(taskId), "assigned_agent_name");
        await using var next = await TestAgent.CreateAsync(app, second);
        await (await next.PostAsync($"tasks/{taskId}/start/")).ExpectAsync(HttpStatusCode.OK);
        await app.HeartbeatAllAsync();

        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(StallingConsole.StallSeconds + 5));

        var task = await app.TaskAsync(taskId);
        Assert.Equal(1, (int?)task["retry_count"]);
        Assert.Equal("pending", (string?)task["status"]);
        Assert.NotNull((string?)task["next_attempt_at"]);
        var logs = await admin.LogsAsync(taskId);
        Assert.Equal(2, logs.Count(l => (string?)l["step_name"] == "stalled"));
        Assert.Contains(logs, l => (string?)l["step_name"] == "failure" && Str(l, "message").Contains("stalled twice"));
        await (await next.PostAsync($"tasks/{taskId}/progress/", new { message = "late" })).ProblemAsync(HttpStatusCode.Conflict);
    }
}
