using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Failure policy end to end with fake time: backoff, retry on another agent, escalation, giving up, manual escalation.</summary>
public sealed class FailureFlowTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private Task<System.Text.Json.Nodes.JsonObject> FailAsync(Guid taskId, string message = "exit code 1") =>
        admin.PostJsonAsync($"{Routes.Task(taskId)}fail/", new { error_message = message }).ObjectAsync();

    [Fact]
    public async Task A_failed_task_waits_out_its_backoff_then_goes_to_a_different_agent_on_the_next_sweep()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"backoff {Routes.Tag()}", taskType: "deployment", priority: "critical");
        var firstAgent = Str(task, "assigned_agent_name");
        var failedAt = app.Now();

        var failed = await FailAsync(Id(task));

        Assert.Equal("pending", (string?)failed["status"]);
        Assert.Equal(1, (int?)failed["retry_count"]);
        Assert.Null(failed["assigned_agent"]);
        var delay = Time(failed, "next_attempt_at") - failedAt;
        Assert.InRange(delay.TotalSeconds, 48, 72);

        await app.AdvanceAndSweepAsync(delay - TimeSpan.FromSeconds(5));
        var waiting = await admin.GetTaskAsync(Id(task));
        Assert.Equal("pending", (string?)waiting["status"]);
        Assert.False((bool)waiting["can_be_assigned"]!);

        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(6));
        var retried = await admin.GetTaskAsync(Id(task));
        Assert.Equal("assigned", (string?)retried["status"]);
        Assert.NotEqual(firstAgent, Str(retried, "assigned_agent_name"));
        Assert.Equal(1, (int?)retried["retry_count"]);
        Assert.Null((string?)retried["next_attempt_at"]);
    }

    [Fact]
    public async Task Process_pending_tasks_does_not_assign_a_retry_early_but_does_once_it_is_due()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"backoff-process {Routes.Tag()}", taskType: "deployment", priority: "critical");
        var firstAgent = Str(task, "assigned_agent_name");
        var failed = await FailAsync(Id(task));

        await admin.PostEmptyAsync($"{Routes.Status}process_pending_tasks/").ObjectAsync();
        Assert.Equal("pending", (string?)(await admin.GetTaskAsync(Id(task)))["status"]);

        app.Time.Advance(Time(failed, "next_attempt_at") - app.Now() + TimeSpan.FromSeconds(1));
        var answer = await admin.PostEmptyAsync($"{Routes.Status}process_pending_tasks/").ObjectAsync();

        Assert.True((int?)answer["assigned_count"] >= 1);
        var retried = await admin.GetTaskAsync(Id(task));
        Assert.Equal("assigned", (string?)retried["status"]);
        Assert.NotEqual(firstAgent, Str(retried, "assigned_agent_name"));
    }

    [Fact]
    public async Task The_failure_is_counted_against_the_agent_and_logged_with_the_retry_plan()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"failure-log {Routes.Tag()}", taskType: "deployment", priority: "critical");
        var agentId = Guid.Parse(Str(task["assigned_agent"]!, "id"));
        var failedBefore = (int)(await admin.GetAgentAsync(agentId))["total_tasks_failed"]!;

        await FailAsync(Id(task), "database migration timed out");

        Assert.Equal(failedBefore + 1, (int)(await admin.GetAgentAsync(agentId))["total_tasks_failed"]!);
        var logs = await admin.LogsAsync(Id(task));
        var failure = logs.Single(l => (string?)l["step_name"] == "failure");
        Assert.Equal("ERROR", (string?)failure["log_level"]);
        Assert.Contains("database migration timed out", (string?)failure["message"]);
        var plan = logs.Single(l => (string?)l["step_name"] == "retry_scheduled");
        Assert.Contains("Retry 1 of 3", (string?)plan["message"]);
    }

    [Fact]
    public async Task When_retries_are_used_up_the_task_escalates_one_priority_step_with_a_fresh_budget_and_goes_back_to_agents()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"escalate-after-retries {Routes.Tag()}", taskType: "deployment", priority: "medium", maxRetries: 1);

        var afterFirst = await FailAsync(Id(task));
        Assert.Equal("pending", (string?)afterFirst["status"]);
        await app.AdvanceAndSweepAsync(Time(afterFirst, "next_attempt_at") - app.Now() + TimeSpan.FromSeconds(1));
        var second = await admin.GetTaskAsync(Id(task));
        Assert.Equal("assigned", (string?)second["status"]);
        var secondAgent = Str(second, "assigned_agent_name");

        var escalated = await FailAsync(Id(task));

        Assert.Equal(1, (int?)escalated["escalation_level"]);
        Assert.Equal("high", (string?)escalated["priority"]);
        Assert.Equal(0, (int?)escalated["retry_count"]);
        Assert.Equal("assigned", (string?)escalated["status"]);
        Assert.NotEqual(secondAgent, Str(escalated, "assigned_agent_name"));
        Assert.False((bool)escalated["needs_attention"]!);
        Assert.Contains(await admin.LogsAsync(Id(task)), l => (string?)l["step_name"] == "escalation" && Str(l, "message").Contains("medium → high"));
    }

    [Fact]
    public async Task With_the_default_budget_the_backoff_doubles_each_retry_and_the_fourth_failure_escalates()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"default-budget {Routes.Tag()}", taskType: "deployment", priority: "high");
        Assert.Equal(3, (int?)task["max_retries"]);

        var nominal = new[] { 60.0, 120.0, 240.0 };
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var holder = Str(await admin.GetTaskAsync(Id(task)), "assigned_agent_name");
            var failedAt = app.Now();
            var failed = await FailAsync(Id(task));
            Assert.Equal("pending", (string?)failed["status"]);
            Assert.Equal(attempt, (int?)failed["retry_count"]);
            var delay = Time(failed, "next_attempt_at") - failedAt;
            Assert.InRange(delay.TotalSeconds, nominal[attempt - 1] * 0.8, nominal[attempt - 1] * 1.2);

            await app.AdvanceAndSweepAsync(delay + TimeSpan.FromSeconds(1));
            var retried = await admin.GetTaskAsync(Id(task));
            Assert.Equal("assigned", (string?)retried["status"]);
            Assert.NotEqual(holder, Str(retried, "assigned_agent_name"));
        }

        var escalated = await FailAsync(Id(task));

        Assert.Equal(1, (int?)escalated["escalation_level"]);
        Assert.Equal("critical", (string?)escalated["priority"]);
        Assert.Equal(0, (int?)escalated["retry_count"]);
        Assert.Equal("assigned", (string?)escalated["status"]);
    }

    [Fact]
    public async Task A_task_escalated_to_emergency_with_nothing_left_stays_failed_and_needs_attention()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"give-up {Routes.Tag()}", taskType: "deployment", priority: "critical", maxRetries: 0);

        var escalated = await FailAsync(Id(task));
        Assert.Equal("emergency", (string?)escalated["priority"]);
        Assert.Equal(1, (int?)escalated["escalation_level"]);
        Assert.Equal("assigned", (string?)escalated["status"]);

        var givenUp = await FailAsync(Id(task));

        Assert.Equal("failed", (string?)givenUp["status"]);
        Assert.True((bool)givenUp["needs_attention"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)givenUp["attention_reason"]));
        Assert.Null(givenUp["assigned_agent"]);
        Assert.Equal(1, (int?)givenUp["escalation_level"]);

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(2));
        var later = await admin.GetTaskAsync(Id(task));
        Assert.Equal("failed", (string?)later["status"]);
        Assert.Equal(1, (int?)later["escalation_level"]);
        Assert.True((bool)later["needs_attention"]!);
        Assert.Contains(Results(await admin.GetObjectAsync($"{Routes.Tasks}?needs_attention=true&status=failed")), t => Id(t) == Id(task));
    }

    [Fact]
    public async Task Manual_escalation_raises_level_and_priority_and_neither_fails_nor_retries_the_task()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"manual-escalate {Routes.Tag()}", taskType: "deployment", priority: "medium");
        var agentId = Guid.Parse(Str(task["assigned_agent"]!, "id"));
        var failedBefore = (int)(await admin.GetAgentAsync(agentId))["total_tasks_failed"]!;

        var first = await admin.PostJsonAsync($"{Routes.Task(Id(task))}escalate/", new { reason = "VIP customer" }).ObjectAsync();
        var second = await admin.PostEmptyAsync($"{Routes.Task(Id(task))}escalate/").ObjectAsync();

        Assert.Equal("Task escalated to level 1", (string?)first["message"]);
        Assert.Equal("high", (string?)first["new_priority"]);
        Assert.Equal("Task escalated to level 2", (string?)second["message"]);
        Assert.Equal("critical", (string?)second["new_priority"]);
        var after = await admin.GetTaskAsync(Id(task));
        Assert.Equal("assigned", (string?)after["status"]);
        Assert.Equal(agentId, Guid.Parse(Str(after["assigned_agent"]!, "id")));
        Assert.Equal(0, (int?)after["retry_count"]);
        Assert.Null((string?)after["error_details"]);
        Assert.Equal(failedBefore, (int)(await admin.GetAgentAsync(agentId))["total_tasks_failed"]!);
        Assert.Contains(await admin.LogsAsync(Id(task)), l => (string?)l["step_name"] == "escalation" && Str(l, "message").Contains("VIP customer"));
    }

    [Fact]
    public async Task Manual_escalation_reaches_emergency_and_stays_there()
    {
        var task = await admin.CreateTaskAsync($"escalate-cap {Routes.Tag()}", priority: "critical", autoAssign: false);

        var toEmergency = await admin.PostEmptyAsync($"{Routes.Task(Id(task))}escalate/").ObjectAsync();
        var beyond = await admin.PostEmptyAsync($"{Routes.Task(Id(task))}escalate/").ObjectAsync();

        Assert.Equal("emergency", (string?)toEmergency["new_priority"]);
        Assert.Equal("emergency", (string?)beyond["new_priority"]);
        Assert.Equal(2, (int?)(await admin.GetTaskAsync(Id(task)))["escalation_level"]);
    }

    [Fact]
    public async Task Retrying_a_task_that_gave_up_clears_the_attention_flag_and_assigns_it()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.PostJsonAsync(Routes.Tasks, new { title = $"manual-retry {Routes.Tag()}", task_type = "deployment", auto_retry = false, auto_escalate = false })
            .ObjectAsync(HttpStatusCode.Created);
        var failed = await FailAsync(Id(task));
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.True((bool)failed["needs_attention"]!);

        await admin.PostEmptyAsync($"{Routes.Task(Id(task))}retry/").ObjectAsync();

        var retried = await admin.GetTaskAsync(Id(task));
        Assert.Equal("assigned", (string?)retried["status"]);
        Assert.False((bool)retried["needs_attention"]!);
        Assert.Equal(1, (int?)retried["retry_count"]);
    }
}
