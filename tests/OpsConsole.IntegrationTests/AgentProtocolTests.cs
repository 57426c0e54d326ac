using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>Agents as real external workers: tokens, the hub and REST, leases, late and duplicate reports. Each test has its own app.</summary>
public sealed class AgentProtocolTests
{
    private const string Primary = "DeploymentAgent-Primary";
    private const string Monitoring = "MonitoringAgent-System";
    private const string Backup = "GeneralAgent-Backup";

    private static object CriticalDeployment(string title = "Deploy failed on web-1") =>
        new { title, description = "exit 1", task_type = "deployment", priority = "critical" };

    [Fact]
    public async Task A_call_waiting_for_the_database_does_not_hold_up_the_same_agents_other_calls()
    {
        await using var app = new OpsConsoleFactory();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(CriticalDeployment()))["id"]!);
        await primary.NextAssignedAsync();

        Task<JsonObject> start;
        await using (await DatabaseLock.TakeAsync(app.DataDirectory))
        {
            // Another process holds the write lock: the start waits for it (up to the busy timeout)…
            start = primary.InvokeAsync("StartTask", taskId.ToString());

            // …while the agent's next call on the same connection is answered meanwhile, as a second REST request would be.
            await primary.Hub.InvokeAsync("UnfollowAll");
            Assert.False(start.IsCompleted, "the start was still waiting for the database when the agent's later call was answered");
        }

        Assert.Equal("in_progress", (string?)(await start)["status"]);
    }

    [Fact]
    public async Task Task_goes_assign_start_progress_fail_then_retries_on_another_agent_after_backoff_and_completes_over_the_hub()
    {
        await using var app = new OpsConsoleFactory();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        await using var monitoring = await TestAgent.CreateAsync(app, Monitoring);
        await using var backup = await TestAgent.CreateAsync(app, Backup);

        var created = await app.CreateTaskAsync(CriticalDeployment());
        var taskId = Guid.Parse((string)created["id"]!);

        var pushed = await primary.NextAssignedAsync();
        Assert.Equal(taskId.ToString(), (string?)pushed["id"]);
        Assert.Equal("assigned", (string?)pushed["status"]);

        var heartbeat = await primary.InvokeAsync("Heartbeat");
        Assert.Equal("available", (string?)heartbeat["status"]);

        var started = await primary.InvokeAsync("StartTask", taskId.ToString());
        Assert.Equal("in_progress", (string?)started["status"]);
        Assert.NotNull((string?)started["started_at"]);
        Assert.Equal(primary.Id.ToString(), (string?)started["assigned_agent"]!["id"]); // the answer names its holder
        Assert.Equal(Primary, (string?)started["assigned_agent_name"]);

        var entry = await primary.InvokeAsync("ReportProgress", taskId.ToString(), new { message = "Rebuilding the frontend", step = "build", percent = 40, data = new { attempt = 1 } });
        Assert.Equal("build", (string?)entry["step_name"]);
        Assert.Equal(40, (int?)entry["percent"]);
        Assert.Equal(Primary, (string?)entry["agent_name"]);
        Assert.Equal((string?)pushed["title"], (string?)entry["task_title"]);

        var failed = await primary.InvokeAsync("FailTask", taskId.ToString(), new { error_message = "npm ERR! exit 1", error_details = "tail of stderr" });
        Assert.Equal("pending", (string?)failed["status"]);
        Assert.Equal(1, (int?)failed["retry_count"]);
        var nextAttempt = DateTimeOffset.Parse((string)failed["next_attempt_at"]!);
        Assert.True(nextAttempt > app.Time.GetUtcNow(), "the retry waits for its backoff");

        // Not before the backoff is over…
        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("pending", (string?)(await app.TaskAsync(taskId))["status"]);

        // …then on another agent than the one that failed.
        await app.AdvanceAndSweepAsync(nextAttempt - app.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        var retried = await app.TaskAsync(taskId);
        Assert.Equal("assigned", (string?)retried["status"]);
        var holderName = (string)retried["assigned_agent_name"]!;
        Assert.NotEqual(Primary, holderName);
        var holder = holderName == Monitoring ? monitoring : backup;
        Assert.Equal(taskId.ToString(), (string?)(await holder.NextAssignedAsync())["id"]);

        var restarted = await holder.InvokeAsync("StartTask", taskId.ToString());
        Assert.True(JsonNode.DeepEquals(await app.TaskAsync(taskId), restarted), $"the start answer is not the task as it is now: {restarted}");
        var completed = await holder.InvokeAsync("CompleteTask", taskId.ToString(), new { result = "redeployed", hosts = 3 });
        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal("redeployed", (string?)completed["output_data"]!["result"]);

        // Each answer is the task as the report left it, what reading it afterwards says: the agent's freed slot, both attempts.
        Assert.True(JsonNode.DeepEquals(await app.TaskAsync(taskId), completed), $"the complete answer is not the task as it is now: {completed}");
        Assert.Equal(2, completed["previous_attempts"]!.AsArray().Count);

        var primaryAfter = await app.AgentAsync(primary.Id);
        Assert.Equal(1, (int?)primaryAfter["total_tasks_failed"]);
        Assert.Equal(0, (int?)primaryAfter["current_task_count"]);
        var holderAfter = await app.AgentAsync(holder.Id);
        Assert.Equal(1, (int?)holderAfter["total_tasks_completed"]);

        var steps = (await app.LogsAsync(taskId)).Select(l => (string?)l!["step_name"]).ToList();
        Assert.Contains("build", steps);
        Assert.Contains("failure", steps);
        Assert.Contains("retry_scheduled", steps);
        Assert.Contains("completed", steps);
    }

    [Fact]
    public async Task Rest_only_agent_pulls_its_tasks_and_every_resent_report_has_no_second_effect()
    {
        await using var app = new OpsConsoleFactory();
        await using var agent = await TestAgent.CreateAsync(app, Primary, connect: false);
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(CriticalDeployment()))["id"]!);

        var me = await (await agent.Http.GetAsync($"{TestAgent.Api}/agents/me/")).ReadObjectAsync();
        Assert.Equal(agent.Id.ToString(), (string?)me["id"]);
        var current = (await (await agent.Http.GetAsync($"{TestAgent.Api}/agents/{agent.Id}/current_tasks/")).ReadNodeAsync()).AsArray();
        Assert.Equal(taskId.ToString(), (string?)Assert.Single(current)!["id"]);

        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"tasks/{taskId}/start/")).StatusCode);
        var startedAt = (string?)(await app.TaskAsync(taskId))["started_at"];
        app.Time.Advance(TimeSpan.FromSeconds(5));
        var again = await agent.PostAsync($"tasks/{taskId}/start/");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(startedAt, (string?)(await again.ReadObjectAsync())["started_at"]);

        var progressId = Guid.NewGuid();
        var first = await agent.PostAsync($"tasks/{taskId}/progress/", new { id = progressId, message = "Step one", percent = 50 });
        var resent = await agent.PostAsync($"tasks/{taskId}/progress/", new { id = progressId, message = "Step one", percent = 50 });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, resent.StatusCode);
        var (firstEntry, resentEntry) = (await first.ReadObjectAsync(), await resent.ReadObjectAsync());
        Assert.Equal((string?)firstEntry["id"], (string?)resentEntry["id"]);
        foreach (var answer in new[] { firstEntry, resentEntry })
        {
            // The first answer and the resent one alike: the task and the agent by name, as the execution log lists them.
            Assert.Equal((string?)(await app.TaskAsync(taskId))["title"], (string?)answer["task_title"]);
            Assert.Equal(Primary, (string?)answer["agent_name"]);
        }
        Assert.Single(await app.LogsAsync(taskId), l => (string?)l!["message"] == "Step one");

        var done = await agent.PostAsync($"tasks/{taskId}/complete/", new { output_data = new { ok = true } });
        var doneAgain = await agent.PostAsync($"tasks/{taskId}/complete/", new { output_data = new { ok = true } });
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(HttpStatusCode.OK, doneAgain.StatusCode);
        Assert.Equal("completed", (string?)(await doneAgain.ReadObjectAsync())["status"]);
        Assert.Equal(1, (int?)(await app.AgentAsync(agent.Id))["total_tasks_completed"]);
        Assert.Single(await app.LogsAsync(taskId), l => (string?)l!["step_name"] == "completed");

        // The audit trail keeps the agent's decisions on the task (start, complete), not its progress lines (they are the
        // task's log) nor resent reports (they changed nothing).
        await using var db = await app.DbAsync();
        var trail = await db.AuditEntries.Where(a => a.TargetType == "task" && a.TargetId == taskId.ToString() && a.ActorKind == ActorKind.Agent)
            .OrderBy(a => a.At).Select(a => a.After).ToListAsync();
        Assert.Collection(trail, started => Assert.Contains("in_progress", started), completed => Assert.Contains("completed", completed));
    }

    [Fact]
    public async Task Failure_reported_twice_schedules_one_retry_and_counts_one_failure()
    {
        await using var app = new OpsConsoleFactory();
        await using var agent = await TestAgent.CreateAsync(app, Primary);
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(CriticalDeployment()))["id"]!);

        var first = await agent.InvokeAsync("FailTask", taskId.ToString(), new { error_message = "exit 2" });
        var second = await agent.InvokeAsync("FailTask", taskId.ToString(), new { error_message = "exit 2" });
        var overRest = await agent.PostAsync($"tasks/{taskId}/fail/", new { error_message = "exit 2" });

        Assert.Equal(1, (int?)first["retry_count"]);
        Assert.Equal(1, (int?)second["retry_count"]);
        Assert.Equal(HttpStatusCode.OK, overRest.StatusCode);
        Assert.Equal((string?)first["next_attempt_at"], (string?)(await overRest.ReadObjectAsync())["next_attempt_at"]);
        Assert.Equal(1, (int?)(await app.AgentAsync(agent.Id))["total_tasks_failed"]);
        Assert.Single(await app.LogsAsync(taskId), l => (string?)l!["step_name"] == "failure");
    }

    [Fact]
    public async Task Late_reports_from_an_agent_that_went_silent_are_refused_after_its_task_moved_to_another_agent()
    {
        await using var app = new OpsConsoleFactory();
        await using var silent = await TestAgent.CreateAsync(app, Primary);
        await using var monitoring = await TestAgent.CreateAsync(app, Monitoring);
        await using var backup = await TestAgent.CreateAsync(app, Backup);
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(CriticalDeployment()))["id"]!);
        await silent.InvokeAsync("StartTask", taskId.ToString());

        // The others keep heartbeating; the holder does not, loses its lease, and the sweep moves the task.
        app.Time.Advance(TimeSpan.FromMinutes(11));
        await monitoring.InvokeAsync("Heartbeat");
        await backup.InvokeAsync("Heartbeat");
        var sweep = await app.Sweep.SweepAsync(CancellationToken.None);
        Assert.Equal(1, sweep.Requeued);
        var moved = await app.TaskAsync(taskId);
        Assert.Equal("assigned", (string?)moved["status"]);
        Assert.NotEqual(Primary, (string?)moved["assigned_agent_name"]);

        var lateComplete = await silent.PostAsync($"tasks/{taskId}/complete/", new { output_data = new { ok = true } });
        var lateProgress = await Assert.ThrowsAsync<HubException>(() => silent.InvokeAsync("ReportProgress", taskId.ToString(), new { message = "still working" }));
        var lateFail = await Assert.ThrowsAsync<HubException>(() => silent.InvokeAsync("FailTask", taskId.ToString(), new { error_message = "gave up" }));

        Assert.Equal(HttpStatusCode.Conflict, lateComplete.StatusCode);
        var detail = (string)(await lateComplete.ReadObjectAsync())["detail"]!;
        Assert.Contains("no longer holds the task", detail);
        Assert.EndsWith($"HubException: {detail}", lateProgress.Message); // the hub says what REST says
        Assert.Contains("no longer holds the task", lateFail.Message);
        var after = await app.TaskAsync(taskId);
        Assert.Equal("assigned", (string?)after["status"]);
        Assert.Equal((string?)moved["assigned_agent_name"], (string?)after["assigned_agent_name"]);
        Assert.Equal(0, (int?)(await app.AgentAsync(silent.Id))["total_tasks_failed"]);
        Assert.Equal(0, (int?)(await app.AgentAsync(silent.Id))["total_tasks_completed"]);
    }

    [Fact]
    public async Task Agent_connecting_to_the_hub_receives_the_tasks_it_already_holds_and_release_gives_one_back()
    {
        await using var app = new OpsConsoleFactory();
        await using var agent = await TestAgent.CreateAsync(app, Primary, connect: false);
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(CriticalDeployment()))["id"]!);

        await agent.Hub.StartAsync();
        var pushed = await agent.NextAssignedAsync();
        Assert.Equal(taskId.ToString(), (string?)pushed["id"]);
        Assert.Equal(Primary, (string?)pushed["assigned_agent"]!["name"]);

        var released = await agent.InvokeAsync("ReleaseTask", taskId.ToString());
        var releasedAgain = await agent.InvokeAsync("ReleaseTask", taskId.ToString());
        Assert.NotEqual(Primary, (string?)released["assigned_agent_name"]);
        Assert.Equal((string?)released["assigned_agent_name"], (string?)releasedAgain["assigned_agent_name"]);
        Assert.Equal(0, (int?)released["retry_count"]);
        Assert.Single(await app.LogsAsync(taskId), l => (string?)l!["step_name"] == "released");
    }
}

/// <summary>Refusals and observers: these tests share one app, since none depends on what another left behind.</summary>
public sealed class AgentProtocolRefusalTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private const string Primary = "DeploymentAgent-Primary";
    private const string Monitoring = "MonitoringAgent-System";

    private static object CriticalDeployment(string title = "Deploy failed on web-1") =>
        new { title, description = "exit 1", task_type = "deployment", priority = "critical" };

    [Fact]
    public async Task Agent_token_used_for_another_agents_task_or_heartbeat_is_forbidden()
    {
        await using var holder = await TestAgent.CreateAsync(app, Primary, connect: false);
        await using var other = await TestAgent.CreateAsync(app, Monitoring);
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(CriticalDeployment()))["id"]!);

        var heartbeat = await other.PostAsync($"agents/{holder.Id}/heartbeat/");
        var start = await other.PostAsync($"tasks/{taskId}/start/");
        var complete = await other.PostAsync($"tasks/{taskId}/complete/", new { output_data = new { } });
        var read = await other.Http.GetAsync($"{TestAgent.Api}/tasks/{taskId}/");
        var overHub = await Assert.ThrowsAsync<HubException>(() => other.InvokeAsync("StartTask", taskId.ToString()));

        Assert.Equal(HttpStatusCode.Forbidden, heartbeat.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, complete.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        var problem = await start.ReadObjectAsync();
        Assert.Contains("never held", (string?)problem["detail"]);
        Assert.Contains("never held", overHub.Message);
        Assert.Equal("assigned", (string?)(await app.TaskAsync(taskId))["status"]);
    }

    [Fact]
    public async Task Hub_refuses_bad_reports_with_a_message_that_says_what_is_wrong()
    {
        await using var agent = await TestAgent.CreateAsync(app, Primary);
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(CriticalDeployment()))["id"]!);

        var badId = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync("StartTask", "not-a-uuid"));
        var noMessage = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync("ReportProgress", taskId.ToString(), new { percent = 5 }));
        var badPercent = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync("ReportProgress", taskId.ToString(), new { message = "x", percent = 150 }));
        var unknown = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync("StartTask", Guid.NewGuid().ToString()));

        Assert.Contains("is not a task id", badId.Message);
        Assert.Contains("message is required", noMessage.Message);
        Assert.Contains("percent must be a whole number from 0 to 100", badPercent.Message);
        Assert.Contains("was not found", unknown.Message);
    }

    [Fact]
    public async Task A_bad_report_gets_the_same_message_over_the_hub_as_over_REST()
    {
        await using var agent = await TestAgent.CreateAsync(app, Primary);
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(CriticalDeployment()))["id"]!);
        var before = await app.TaskAsync(taskId);
        var longStep = new string('s', 101);
        (string Method, string Route, object Body)[] reports =
        [
            ("ReportProgress", "progress", new { message = "building", step = longStep, percent = 150 }),
            ("FailTask", "fail", new { error_message = "   ", usage = new { input_tokens = -1 } }),
        ];

        foreach (var (method, route, body) in reports)
        {
            var overRest = await agent.PostAsync($"tasks/{taskId}/{route}/", body);
            var overHub = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync(method, taskId.ToString(), body));

            Assert.Equal(HttpStatusCode.BadRequest, overRest.StatusCode);
            var restMessages = (await overRest.ReadObjectAsync())["errors"]!.AsObject().SelectMany(e => e.Value!.AsArray().Select(m => (string)m!)).ToList();
            Assert.True(restMessages.Count >= 2, $"{route}: expected two problems, got {string.Join(" | ", restMessages)}");
            Assert.EndsWith(": " + string.Join("; ", restMessages), overHub.Message, StringComparison.Ordinal);
        }

        // CompleteTask takes the output itself; an output that is no object is refused as output_data is over REST.
        var badOutput = await agent.PostAsync($"tasks/{taskId}/complete/", new { output_data = new[] { 1, 2 } });
        var badOutputOverHub = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync("CompleteTask", taskId.ToString(), new[] { 1, 2 }));
        var restMessage = (string)(await badOutput.ReadObjectAsync())["errors"]!["output_data"]![0]!;
        Assert.EndsWith(": " + restMessage, badOutputOverHub.Message, StringComparison.Ordinal);
        var after = await app.TaskAsync(taskId);
        Assert.Equal((string?)before["status"], (string?)after["status"]);
        Assert.Equal((string?)before["updated_at"], (string?)after["updated_at"]);
    }

    [Fact]
    public async Task Observer_with_an_api_key_sees_task_changes_and_agents_me_answers_only_agent_tokens()
    {
        await using var observer = TestAgent.HubFor(app, OpsConsoleFactory.BootstrapKey);
        var changes = System.Threading.Channels.Channel.CreateUnbounded<JsonObject>();
        var health = System.Threading.Channels.Channel.CreateUnbounded<JsonObject>();
        observer.On<System.Text.Json.JsonElement>("TaskChanged", t => changes.Writer.TryWrite(JsonNode.Parse(t.GetRawText())!.AsObject()));
        observer.On<System.Text.Json.JsonElement>("HealthChanged", h => health.Writer.TryWrite(JsonNode.Parse(h.GetRawText())!.AsObject()));
        await observer.StartAsync();

        var taskId = (string?)(await app.CreateTaskAsync(CriticalDeployment("Observed failure")))["id"];

        using var timeout = new CancellationTokenSource(TestAgent.EventTimeout);
        JsonObject change;
        do
        {
            change = await changes.Reader.ReadAsync(timeout.Token);
        }
        while ((string?)change["id"] != taskId);
        Assert.Equal("Observed failure", (string?)change["title"]);

        await app.Service<OpsConsole.Features.Health.HealthService>().SnapshotAsync(false, CancellationToken.None);
        var rollup = await health.Reader.ReadAsync(timeout.Token);
        Assert.Contains((string?)rollup["status"], new[] { "healthy", "warning", "critical" });
        Assert.False(string.IsNullOrEmpty((string?)rollup["message"]));

        var me = await app.CreateAdminClient().GetAsync($"{TestAgent.Api}/agents/me/");
        Assert.Equal(HttpStatusCode.NotFound, me.StatusCode);
        Assert.Contains("agent token", (string?)(await me.ReadObjectAsync())["detail"]);
        await Assert.ThrowsAsync<HubException>(() => observer.InvokeAsync<object>("Heartbeat"));
    }
}
