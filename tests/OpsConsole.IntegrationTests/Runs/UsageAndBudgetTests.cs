using System.Net;
using Microsoft.AspNetCore.SignalR;
using OpsConsole.Features.Spend;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Runs;

/// <summary>
/// Usage and budgets (#15 part 4): progress, complete and fail carry usage (REST and hub), a resent report counts once, the
/// task sums its cost, and going over budget_usd revokes the run and leaves the failed task to a person.
/// </summary>
public sealed class UsageAndBudgetTests
{
    private const string Primary = "DeploymentAgent-Primary";

    [Fact]
    public async Task A_budget_exceeded_mid_run_revokes_the_run_and_leaves_the_failed_task_to_a_person()
    {
        await using var app = new OpsConsoleFactory();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var revoked = new HubEvents(primary.Hub, "TaskRevoked");
        var created = await app.CreateTaskAsync(new { title = $"budget {Routes.Tag()}", task_type = "deployment", priority = "critical", budget_usd = 1.00 });
        Assert.Equal(1.00m, (decimal?)created["budget_usd"]);
        var taskId = Id(created);
        await primary.NextAssignedAsync();
        await primary.InvokeAsync("StartTask", taskId.ToString());

        var reportId = Guid.NewGuid();
        var usage = new { input_tokens = 12_000, output_tokens = 3_000, cost_usd = 0.60, model = "claude-sonnet-4" };
        await primary.InvokeAsync("ReportProgress", taskId.ToString(), new { id = reportId, message = "planned the fix", usage });
        await (await primary.PostAsync($"tasks/{taskId}/progress/", new { id = reportId, message = "planned the fix", usage })).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(0.60m, (decimal?)(await app.TaskAsync(taskId))["cost_usd"]);

        await (await primary.PostAsync($"tasks/{taskId}/progress/", new { message = "editing", usage = new { input_tokens = 9_000, output_tokens = 2_500, cost_usd = 0.45, model = "claude-sonnet-4" } }))
            .ExpectAsync(HttpStatusCode.Created);

        var told = await revoked.NextAsync();
        Assert.Equal(taskId.ToString(), (string?)told["task_id"]);
        Assert.Equal("budget exceeded", (string?)told["reason"]);
        var task = await app.TaskAsync(taskId);
        Assert.Equal("failed", (string?)task["status"]);
        Assert.True((bool)task["needs_attention"]!);
        Assert.Equal(1.05m, (decimal?)task["cost_usd"]);
        Assert.Equal(0, (int?)task["retry_count"]);
        Assert.Null((string?)task["assigned_agent"]);
        Assert.Equal(0, (int?)(await app.CreateAdminClient().GetAgentAsync(primary.Id))["current_task_count"]); // its slot is free for other work
        await (await primary.PostAsync($"tasks/{taskId}/progress/", new { message = "still going" })).ProblemAsync(HttpStatusCode.Conflict);

        var attempt = Assert.Single(await app.CreateAdminClient().GetArrayAsync($"{Routes.Task(taskId)}attempts/"))!;
        Assert.Equal("revoked", (string?)attempt["outcome"]);
        Assert.Equal(21_000, (long?)attempt["usage"]!["input_tokens"]);
        Assert.Equal(5_500, (long?)attempt["usage"]!["output_tokens"]);
        Assert.Equal(1.05m, (decimal?)attempt["usage"]!["cost_usd"]);
        Assert.Equal("claude-sonnet-4", (string?)attempt["usage"]!["model"]);

        // No automatic retry, however long it waits: an operator decides.
        await app.AdvanceAndSweepAsync(TimeSpan.FromHours(3));
        Assert.Equal("failed", (string?)(await app.TaskAsync(taskId))["status"]);
        Assert.Contains(await app.LogsAsync(taskId), l => (string?)l!["step_name"] == "budget_exceeded");
    }

    [Fact]
    public async Task Usage_on_complete_and_fail_is_summed_over_rest_and_hub_and_shows_in_todays_spend()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var first = Id(await app.CreateTaskAsync(new { title = $"spend one {Routes.Tag()}", task_type = "deployment", priority = "critical" }));
        await primary.NextAssignedAsync();
        await primary.InvokeAsync("StartTask", first.ToString());
        await primary.InvokeAsync("FailTask", first.ToString(), new { error_message = "tests failed", usage = new { input_tokens = 100, output_tokens = 10, cost_usd = 0.25, model = "gpt-5-codex" } });
        Assert.Equal(0.25m, (decimal?)(await app.TaskAsync(first))["cost_usd"]);

        var second = Id(await app.CreateTaskAsync(new { title = $"spend two {Routes.Tag()}", task_type = "deployment", priority = "critical" }));
        var holder = Str(await app.TaskAsync(second), "assigned_agent_name");
        await using var agent = holder == Primary ? primary : await TestAgent.CreateAsync(app, holder);
        await agent.InvokeAsync("StartTask", second.ToString());
        var done = await agent.InvokeAsync("CompleteTask", second.ToString(), new { result = "ok", usage = new { input_tokens = 50, output_tokens = 5, cost_usd = 0.10, model = "claude-sonnet-4" } });
        Assert.Equal(0.10m, (decimal?)done["cost_usd"]);
        Assert.Null(done["output_data"]!["usage"]);
        Assert.Equal("ok", (string?)done["output_data"]!["result"]);

        var third = Id(await admin.CreateTaskAsync($"spend three {Routes.Tag()}", autoAssign: false));
        await (await admin.PostJsonAsync($"{Routes.Task(third)}assign/", new { agent_id = primary.Id })).ExpectAsync(HttpStatusCode.OK);
        await (await primary.PostAsync($"tasks/{third}/complete/", new { usage = new { cost_usd = 0.05, model = "gpt-5-codex" } })).ExpectAsync(HttpStatusCode.OK);
        await (await primary.PostAsync($"tasks/{third}/complete/", new { usage = new { cost_usd = 0.05, model = "gpt-5-codex" } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0.05m, (decimal?)(await admin.GetTaskAsync(third))["cost_usd"]);

        var today = await app.Service<SpendQueries>().TodayAsync(app.Now().UtcDateTime, CancellationToken.None);
        Assert.Equal(0.40m, today.CostUsd);
        Assert.Equal(0.30m, Assert.Single(today.ByModel, m => m.Name == "gpt-5-codex").CostUsd);
        Assert.Equal(0.10m, Assert.Single(today.ByModel, m => m.Name == "claude-sonnet-4").CostUsd);
        Assert.Equal(0.30m, Assert.Single(today.ByAgent, a => a.Name == Primary).CostUsd + (holder == Primary ? -0.10m : 0));

        var tomorrow = await app.Service<SpendQueries>().TodayAsync(app.Now().UtcDateTime.AddDays(1), CancellationToken.None);
        Assert.Equal(0m, tomorrow.CostUsd);
    }

    [Fact]
    public async Task Negative_usage_unknown_usage_fields_and_a_budget_of_zero_are_refused_naming_the_field()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var taskId = Id(await app.CreateTaskAsync(new { title = $"bad usage {Routes.Tag()}", task_type = "deployment", priority = "critical" }));
        await primary.NextAssignedAsync();

        await primary.PostAsync($"tasks/{taskId}/progress/", new { message = "x", usage = new { input_tokens = -1 } }).FieldErrorAsync("usage.input_tokens");
        await primary.PostAsync($"tasks/{taskId}/progress/", new { message = "x", usage = new { cost_usd = -0.01 } }).FieldErrorAsync("usage.cost_usd");
        await primary.PostAsync($"tasks/{taskId}/progress/", new { message = "x", usage = new { tokens = 5 } }).FieldErrorAsync("usage.tokens");
        await primary.PostAsync($"tasks/{taskId}/fail/", new { error_message = "x", usage = "lots" }).FieldErrorAsync("usage");
        await primary.PostAsync($"tasks/{taskId}/complete/", new { usage = new { output_tokens = 1.5 } }).FieldErrorAsync("usage.output_tokens");
        var hub = await Assert.ThrowsAsync<HubException>(() => primary.InvokeAsync("ReportProgress", taskId.ToString(), new { message = "x", usage = new { output_tokens = -3 } }));
        Assert.Contains("usage.output_tokens", hub.Message);
        Assert.Equal(0m, (decimal?)(await app.TaskAsync(taskId))["cost_usd"]);

        await admin.PostJsonAsync(Routes.Tasks, new { title = "free", task_type = "testing", budget_usd = 0 }).FieldErrorAsync("budget_usd");
        await admin.PatchJsonAsync(Routes.Task(taskId), new { budget_usd = -2 }).FieldErrorAsync("budget_usd");
        await admin.PatchJsonAsync(Routes.Task(taskId), new { cost_usd = 0 }).FieldErrorAsync("cost_usd");
        Assert.Equal(7.5m, (decimal?)(await admin.PatchJsonAsync(Routes.Task(taskId), new { budget_usd = 7.5 }).ObjectAsync())["budget_usd"]);
    }
}
