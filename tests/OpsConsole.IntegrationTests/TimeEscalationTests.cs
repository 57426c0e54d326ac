using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Escalation by time on sweeps: overdue tasks once per period, blocked tasks after Orchestration:BlockedEscalationMinutes.</summary>
public sealed class TimeEscalationTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private async Task<(int Level, string Priority, string Status)> StateAsync(Guid id)
    {
        var task = await admin.GetTaskAsync(id);
        return ((int)task["escalation_level"]!, Str(task, "priority"), Str(task, "status"));
    }

    [Fact]
    public async Task An_overdue_task_escalates_once_per_period_on_sweeps_not_on_every_sweep()
    {
        var task = await admin.CreateTaskAsync($"overdue {Routes.Tag()}", priority: "medium", autoAssign: false, dueDate: Iso(app.Now().AddMinutes(10)));
        var id = Id(task);

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(9));
        Assert.Equal((0, "medium", "pending"), await StateAsync(id));
        Assert.False((bool)(await admin.GetTaskAsync(id))["is_overdue"]!);

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(2));
        Assert.Equal((1, "high", "pending"), await StateAsync(id));
        Assert.True((bool)(await admin.GetTaskAsync(id))["is_overdue"]!);

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(1));
        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(30));
        Assert.Equal((1, "high", "pending"), await StateAsync(id));

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(30));
        Assert.Equal((2, "critical", "pending"), await StateAsync(id));

        var escalations = (await admin.LogsAsync(id)).Where(l => (string?)l["step_name"] == "escalation").ToList();
        Assert.Equal(2, escalations.Count);
        Assert.All(escalations, l => Assert.Contains("overdue", Str(l, "message")));
        Assert.All(escalations, l => Assert.Equal("orchestration_engine", (string?)l["actor"]));
    }

    [Fact]
    public async Task An_overdue_task_keeps_its_agent_when_it_escalates()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"overdue-held {Routes.Tag()}", taskType: "deployment", priority: "high", dueDate: Iso(app.Now().AddMinutes(5)));
        var agent = Str(task, "assigned_agent_name");

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(6));

        var after = await admin.GetTaskAsync(Id(task));
        Assert.Equal(1, (int?)after["escalation_level"]);
        Assert.Equal("critical", (string?)after["priority"]);
        Assert.Equal("assigned", (string?)after["status"]);
        Assert.Equal(agent, (string?)after["assigned_agent_name"]);
    }

    [Fact]
    public async Task A_blocked_task_escalates_after_120_minutes_and_then_once_per_120_minutes()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"blocked {Routes.Tag()}", taskType: "deployment", priority: "low");
        await admin.PostJsonAsync($"{Routes.Task(Id(task))}block/", new { reason = "waiting for credentials" }).ObjectAsync();

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(119));
        Assert.Equal((0, "low", "blocked"), await StateAsync(Id(task)));

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(2));
        Assert.Equal((1, "medium", "blocked"), await StateAsync(Id(task)));

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(1));
        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(60));
        Assert.Equal((1, "medium", "blocked"), await StateAsync(Id(task)));

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(60));
        Assert.Equal((2, "high", "blocked"), await StateAsync(Id(task)));
        Assert.Contains(await admin.LogsAsync(Id(task)), l => (string?)l["step_name"] == "escalation" && Str(l, "message").Contains("blocked"));
    }

    [Fact]
    public async Task A_task_unblocked_in_time_does_not_escalate()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"unblocked {Routes.Tag()}", taskType: "deployment", priority: "low");
        await admin.PostEmptyAsync($"{Routes.Task(Id(task))}block/").ObjectAsync();
        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(100));

        await admin.PostEmptyAsync($"{Routes.Task(Id(task))}unblock/").ObjectAsync();
        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(30));

        Assert.Equal(0, (await StateAsync(Id(task))).Level);
    }

    [Fact]
    public async Task A_task_without_auto_escalate_is_never_escalated_by_time()
    {
        var task = await admin.PostJsonAsync(Routes.Tasks, new { title = $"no-escalate {Routes.Tag()}", task_type = "documentation", auto_assign = false, auto_escalate = false, due_date = Iso(app.Now().AddMinutes(1)) })
            .ObjectAsync(System.Net.HttpStatusCode.Created);

        await app.AdvanceAndSweepAsync(TimeSpan.FromHours(3));

        Assert.Equal((0, "medium", "pending"), await StateAsync(Id(task)));
    }
}
