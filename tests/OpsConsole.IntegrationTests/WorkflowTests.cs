using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Dependencies between tasks, and the execution log as the record of who did what.</summary>
public sealed class WorkflowTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task A_task_with_dependencies_waits_until_they_complete_then_is_assigned_at_once()
    {
        await app.HeartbeatAllAsync();
        var build = await admin.CreateTaskAsync($"build {Routes.Tag()}", taskType: "deployment", priority: "high");
        var migrate = await admin.CreateTaskAsync($"migrate {Routes.Tag()}", taskType: "deployment", priority: "high");
        var deploy = await admin.PostJsonAsync(Routes.Tasks, new { title = $"deploy {Routes.Tag()}", task_type = "deployment", priority = "emergency", depends_on_ids = new[] { Id(build), Id(migrate) } })
            .ObjectAsync(HttpStatusCode.Created);

        Assert.Equal("pending", (string?)deploy["status"]);
        Assert.True((bool)deploy["has_unmet_dependencies"]!);
        Assert.False((bool)deploy["can_be_assigned"]!);
        Assert.Equal(new[] { Id(build), Id(migrate) }.Order(), deploy["depends_on"]!.AsArray().Select(d => Id(d!)).Order());
        Assert.Contains((await admin.GetTaskAsync(Id(build)))["dependent_tasks"]!.AsArray(), d => Id(d!) == Id(deploy));

        await admin.PostEmptyAsync($"{Routes.Status}process_pending_tasks/").ObjectAsync();
        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(30));
        await admin.PostJsonAsync($"{Routes.Task(Id(deploy))}assign/", new { }).ProblemAsync(HttpStatusCode.Conflict);
        await admin.PostJsonAsync($"{Routes.Task(Id(build))}complete/", new { }).ObjectAsync();
        Assert.Equal("pending", (string?)(await admin.GetTaskAsync(Id(deploy)))["status"]);

        await admin.PostJsonAsync($"{Routes.Task(Id(migrate))}complete/", new { }).ObjectAsync();

        var ready = await admin.GetTaskAsync(Id(deploy));
        Assert.Equal("assigned", (string?)ready["status"]);
        Assert.False((bool)ready["has_unmet_dependencies"]!);
        Assert.NotNull((string?)ready["assigned_agent_name"]);
    }

    [Fact]
    public async Task A_task_waiting_on_a_cancelled_dependency_is_flagged_for_people_and_no_new_task_may_depend_on_it()
    {
        var build = await admin.CreateTaskAsync($"build {Routes.Tag()}", taskType: "deployment", autoAssign: false);
        var deploy = await admin.PostJsonAsync(Routes.Tasks, new { title = $"deploy {Routes.Tag()}", task_type = "deployment", depends_on_ids = new[] { Id(build) } })
            .ObjectAsync(HttpStatusCode.Created);
        Assert.False((bool)deploy["needs_attention"]!);

        await admin.PostJsonAsync($"{Routes.Task(Id(build))}cancel/", new { reason = "not needed" }).ObjectAsync();

        var stuck = await admin.GetTaskAsync(Id(deploy));
        Assert.Equal("pending", (string?)stuck["status"]);
        Assert.True((bool)stuck["needs_attention"]!);
        Assert.Contains($"Depends on '{Str(build, "title")}', which was cancelled, so it cannot start", (string?)stuck["attention_reason"]);
        var late = await admin.PostJsonAsync(Routes.Tasks, new { title = $"late {Routes.Tag()}", task_type = "deployment", depends_on_ids = new[] { Id(build) } })
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("is cancelled, so a task that depends on it could never start", (string?)late["detail"]);
    }

    [Fact]
    public async Task Every_change_to_a_task_writes_an_execution_log_entry_naming_who_made_it()
    {
        var (agentId, token, _) = await admin.CreateAgentAsync($"Scribe-{Routes.Tag()}", "general", ["documentation"]);
        var agentName = Str(await admin.GetAgentAsync(agentId), "name");
        var worker = app.CreateClientWithToken(token);
        var operatorClient = await app.CreateClientAsync(Domain.ApiRole.Operator);
        var task = await operatorClient.CreateTaskAsync($"audit {Routes.Tag()}", autoAssign: false);
        var id = Id(task);

        app.Time.Advance(TimeSpan.FromSeconds(1));
        await admin.PatchJsonAsync(Routes.Task(id), new { description = "edited" }).ObjectAsync();
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await admin.PostJsonAsync($"{Routes.Task(id)}assign/", new { agent_id = agentId }).ObjectAsync();
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await worker.PostEmptyAsync($"{Routes.Task(id)}start/").ObjectAsync();
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await worker.PostJsonAsync($"{Routes.Task(id)}progress/", new { message = "half way", percent = 50 }).ObjectAsync(HttpStatusCode.Created);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await worker.PostJsonAsync($"{Routes.Task(id)}complete/", new { output_data = new { pages = 3 } }).ObjectAsync();

        var logs = (await admin.LogsAsync(id)).Reverse().ToList();

        Assert.Equal(["created", "updated", "assignment", "started", "progress", "completed"], logs.Select(l => (string?)l["step_name"]));
        var operatorName = Str(logs[0], "actor");
        Assert.StartsWith("key:", operatorName);
        Assert.NotEqual("key:bootstrap", operatorName);
        Assert.Equal("api_key", (string?)logs[0]["actor_type"]);
        Assert.Equal("key:bootstrap", (string?)logs[1]["actor"]);
        Assert.Equal("key:bootstrap", (string?)logs[2]["actor"]);
        Assert.Contains(agentName, Str(logs[2], "message"));
        foreach (var entry in logs.Skip(3))
        {
            Assert.Equal(agentName, (string?)entry["actor"]);
            Assert.Equal("agent", (string?)entry["actor_type"]);
            Assert.Equal(agentName, (string?)entry["agent_name"]);
        }

        Assert.Equal(50, (int?)logs[4]["percent"]);
    }

    [Fact]
    public async Task Engine_decisions_are_logged_as_the_orchestration_engine()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"engine-log {Routes.Tag()}", taskType: "deployment", priority: "critical");

        var assignment = (await admin.LogsAsync(Id(task))).Single(l => (string?)l["step_name"] == "assignment");

        Assert.Equal("orchestration_engine", (string?)assignment["actor"]);
        Assert.Equal("engine", (string?)assignment["actor_type"]);
        Assert.Contains(Str(task, "assigned_agent_name"), Str(assignment, "message"));
        Assert.True((double)assignment["step_data"]!["selection_score"]! > 0);
    }
}
