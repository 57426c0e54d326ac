using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>An agent token acts for its own agent only, and only on the tasks that agent holds now.</summary>
public sealed class AgentTokenTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private async Task<(Guid Id, HttpClient Client)> AgentAsync()
    {
        var (id, token, _) = await admin.CreateAgentAsync($"Worker-{Routes.Tag()}", "general", ["documentation"]);
        return (id, app.CreateClientWithToken(token));
    }

    /// <summary>A task given to the agent by hand (auto-assign off, so no other test's agent can take it).</summary>
    private async Task<Guid> TaskHeldByAsync(Guid agentId)
    {
        var task = await admin.CreateTaskAsync($"held {Routes.Tag()}", autoAssign: false);
        await admin.PostJsonAsync($"{Routes.Task(Id(task))}assign/", new { agent_id = agentId }).ObjectAsync();
        return Id(task);
    }

    [Fact]
    public async Task Creating_an_agent_returns_a_token_that_heartbeats_for_that_agent()
    {
        var (id, worker) = await AgentAsync();
        app.Time.Advance(TimeSpan.FromSeconds(10));

        var answer = await worker.PostEmptyAsync($"{Routes.Agent(id)}heartbeat/").ObjectAsync();

        Assert.Equal(app.Now(), Time(answer, "timestamp"));
        Assert.Equal(app.Now(), Time(await admin.GetAgentAsync(id), "last_heartbeat"));
    }

    [Fact]
    public async Task An_agent_token_cannot_heartbeat_or_read_for_another_agent()
    {
        var (_, worker) = await AgentAsync();
        var (other, _) = await AgentAsync();

        var problem = await worker.PostEmptyAsync($"{Routes.Agent(other)}heartbeat/").ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Contains("another agent", (string?)problem["detail"]);
        Assert.Null((string?)(await admin.GetAgentAsync(other))["last_heartbeat"]);
        await worker.GetAsync(Routes.Agent(other)).ProblemAsync(HttpStatusCode.Forbidden);
        await worker.GetAsync($"{Routes.Agent(other)}current_tasks/").ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_agent_works_its_own_task_from_start_to_completion()
    {
        var (id, worker) = await AgentAsync();
        var taskId = await TaskHeldByAsync(id);

        var mine = await worker.GetArrayAsync($"{Routes.Agent(id)}current_tasks/");
        Assert.Equal([taskId], mine.Select(t => Id(t!)));
        await (await worker.GetAsync(Routes.Task(taskId))).ExpectAsync(HttpStatusCode.OK);
        var started = await worker.PostEmptyAsync($"{Routes.Task(taskId)}start/").ObjectAsync();
        Assert.Equal("in_progress", (string?)started["status"]);
        await worker.PostJsonAsync($"{Routes.Task(taskId)}progress/", new { message = "step 1", percent = 10 }).ObjectAsync(HttpStatusCode.Created);
        var done = await worker.PostJsonAsync($"{Routes.Task(taskId)}complete/", new { output_data = new { ok = true } }).ObjectAsync();

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(1, (int?)(await admin.GetAgentAsync(id))["total_tasks_completed"]);
    }

    [Fact]
    public async Task An_agent_can_report_its_own_failure()
    {
        var (id, worker) = await AgentAsync();
        var taskId = await TaskHeldByAsync(id);

        var failed = await worker.PostJsonAsync($"{Routes.Task(taskId)}fail/", new { error_message = "tool crashed" }).ObjectAsync();

        Assert.Equal("pending", (string?)failed["status"]);
        Assert.Equal(1, (int?)failed["retry_count"]);
        Assert.Equal(1, (int?)(await admin.GetAgentAsync(id))["total_tasks_failed"]);
    }

    [Fact]
    public async Task An_agent_cannot_start_progress_complete_or_fail_a_task_another_agent_holds()
    {
        var (_, worker) = await AgentAsync();
        var (holder, _) = await AgentAsync();
        var taskId = await TaskHeldByAsync(holder);

        await AssertRefusedAsync(await worker.PostEmptyAsync($"{Routes.Task(taskId)}start/"));
        await AssertRefusedAsync(await worker.PostJsonAsync($"{Routes.Task(taskId)}progress/", new { message = "mine now" }));
        await AssertRefusedAsync(await worker.PostJsonAsync($"{Routes.Task(taskId)}complete/", new { }));
        await AssertRefusedAsync(await worker.PostJsonAsync($"{Routes.Task(taskId)}fail/", new { error_message = "nope" }));
        await AssertRefusedAsync(await worker.PostEmptyAsync($"{Routes.Task(taskId)}release/"));
        await worker.GetAsync(Routes.Task(taskId)).ProblemAsync(HttpStatusCode.Forbidden);

        var task = await admin.GetTaskAsync(taskId);
        Assert.Equal("assigned", (string?)task["status"]);
        Assert.Equal(holder, Guid.Parse(Str(task["assigned_agent"]!, "id")));
        Assert.DoesNotContain(await admin.LogsAsync(taskId), l => (string?)l["step_name"] == "progress");
    }

    [Fact]
    public async Task A_late_report_after_the_task_moved_to_another_agent_is_refused_with_409_and_not_applied()
    {
        var (first, firstClient) = await AgentAsync();
        var (second, secondClient) = await AgentAsync();
        var taskId = await TaskHeldByAsync(first);
        await firstClient.PostEmptyAsync($"{Routes.Task(taskId)}start/").ObjectAsync();

        await admin.UpdateAgentStatusAsync(first, "set_maintenance");
        await admin.PostJsonAsync($"{Routes.Task(taskId)}assign/", new { agent_id = second }).ObjectAsync();

        var problem = await firstClient.PostJsonAsync($"{Routes.Task(taskId)}complete/", new { output_data = new { late = true } }).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("no longer holds", (string?)problem["detail"]);
        await firstClient.PostJsonAsync($"{Routes.Task(taskId)}fail/", new { error_message = "late" }).ProblemAsync(HttpStatusCode.Conflict);
        await firstClient.PostJsonAsync($"{Routes.Task(taskId)}progress/", new { message = "late" }).ProblemAsync(HttpStatusCode.Conflict);

        var task = await admin.GetTaskAsync(taskId);
        Assert.Equal("assigned", (string?)task["status"]);
        Assert.Equal(second, Guid.Parse(Str(task["assigned_agent"]!, "id")));
        Assert.Equal(0, (int?)task["retry_count"]);
        var started = await secondClient.PostEmptyAsync($"{Routes.Task(taskId)}start/").ObjectAsync();
        Assert.Equal("in_progress", (string?)started["status"]);
    }

    [Fact]
    public async Task An_agent_token_cannot_use_operator_or_admin_routes()
    {
        var (id, worker) = await AgentAsync();
        var taskId = await TaskHeldByAsync(id);

        await worker.GetAsync(Routes.Tasks).ProblemAsync(HttpStatusCode.Forbidden);
        await worker.PostJsonAsync(Routes.Tasks, new { title = "agent-made", task_type = "testing" }).ProblemAsync(HttpStatusCode.Forbidden);
        await worker.PostEmptyAsync($"{Routes.Task(taskId)}escalate/").ProblemAsync(HttpStatusCode.Forbidden);
        await worker.PostEmptyAsync($"{Routes.Task(taskId)}cancel/").ProblemAsync(HttpStatusCode.Forbidden);
        await worker.PostEmptyAsync($"{Routes.Status}process_pending_tasks/").ProblemAsync(HttpStatusCode.Forbidden);
        await worker.PostEmptyAsync($"{Routes.Agent(id)}rotate_token/").ProblemAsync(HttpStatusCode.Forbidden);
        await worker.PostJsonAsync($"{Routes.Agent(id)}update_status/", new { action = "set_available" }).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal("assigned", (string?)(await admin.GetTaskAsync(taskId))["status"]);
    }

    [Fact]
    public async Task Rotating_the_token_makes_the_old_one_fail_at_once_and_the_new_one_work()
    {
        var (id, oldClient) = await AgentAsync();
        await (await oldClient.PostEmptyAsync($"{Routes.Agent(id)}heartbeat/")).ExpectAsync(HttpStatusCode.OK);

        var rotated = await admin.PostEmptyAsync($"{Routes.Agent(id)}rotate_token/").ObjectAsync();

        await oldClient.PostEmptyAsync($"{Routes.Agent(id)}heartbeat/").ProblemAsync(HttpStatusCode.Unauthorized);
        await (await app.CreateClientWithToken(Str(rotated, "token")).PostEmptyAsync($"{Routes.Agent(id)}heartbeat/")).ExpectAsync(HttpStatusCode.OK);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Conflict, $"expected 403 or 409, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await response.ProblemAsync(response.StatusCode);
    }
}
