using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OpsConsole.Cli;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// <c>opsctl agent run</c>, the reference worker, against the real app on a loopback port: it takes its agent's tasks
/// over the hub, runs a real shell command per task and reports the outcome. Each test works with its own agent and
/// task type so the tests do not meet.
/// </summary>
public sealed class OpsctlAgentRunTests(LoopbackOpsConsole app) : IClassFixture<LoopbackOpsConsole>
{
    private sealed record Worker(Task<int> Run, LockedWriter Output, LockedWriter Error, CancellationTokenSource Stop) : IAsyncDisposable
    {
        public async Task<int> StopAsync()
        {
            await Stop.CancelAsync();
            return await Run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            if (!Run.IsCompleted)
            {
                await StopAsync();
            }

            Stop.Dispose();
        }
    }

    private HttpClient Admin()
    {
        var client = new HttpClient { BaseAddress = new Uri(app.Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OpsConsoleFactory.BootstrapKey);
        return client;
    }

    private async Task<string> TokenAsync(string agent)
    {
        var id = await app.AgentIdAsync(agent);
        var response = await Admin().PostAsync($"{TestAgent.Api}/agents/{id}/rotate_token/", null);
        response.EnsureSuccessStatusCode();
        return (string)(await response.ReadObjectAsync())["token"]!;
    }

    private async Task<string> CreateAsync(object body)
    {
        var response = await Admin().PostJsonAsync($"{TestAgent.Api}/tasks/", body);
        response.EnsureSuccessStatusCode();
        return (string)(await response.ReadObjectAsync())["id"]!;
    }

    private async Task<JsonObject> TaskAsync(string id) => await (await Admin().GetAsync($"{TestAgent.Api}/tasks/{id}/")).ReadObjectAsync();

    private async Task<JsonArray> LogsAsync(string id) => (await (await Admin().GetAsync($"{TestAgent.Api}/tasks/{id}/execution_logs/")).ReadNodeAsync()).AsArray();

    private Worker Start(string token, string? command)
    {
        var output = new LockedWriter();
        var error = new LockedWriter();
        var stop = new CancellationTokenSource();
        string[] args = command is null
            ? ["agent", "run", "--token", token, "--heartbeat-seconds", "1", "--poll-seconds", "1"]
            : ["agent", "run", "--token", token, "--command", command, "--heartbeat-seconds", "1", "--poll-seconds", "1"];
        var run = CliApp.RunAsync(args, CliRun.Environment(app.Url, null, output, error), stop.Token);
        return new Worker(run, output, error, stop);
    }

    private Task WaitForStatusAsync(string taskId, Func<JsonObject, bool> done, string what, Worker worker) =>
        Admin().WaitForTaskAsync(taskId, t => done(t) || (worker.Run.IsCompleted ? throw new InvalidOperationException($"the worker exited before {what}") : false),
            what, () => $"--- worker\n{worker.Output}\n{worker.Error}");

    [Fact]
    public async Task Worker_runs_a_succeeding_command_with_the_task_on_stdin_and_completes_it_with_its_output()
    {
        var token = await TokenAsync("CodeAgent-Emergency");
        await using var worker = Start(token, "read -r task; echo \"title seen: $(echo \"$task\" | grep -o 'Review the cache layer' | head -1)\"; echo \"id $OPSCONSOLE_TASK_ID\"; echo done");
        await worker.Output.WaitForAsync("connected to", "the worker to connect");

        var taskId = await CreateAsync(new { title = "Review the cache layer", task_type = "code_review", priority = "medium" });
        await WaitForStatusAsync(taskId, t => (string?)t["status"] == "completed", "the worker to complete the task", worker);

        var task = await TaskAsync(taskId);
        Assert.Equal("CodeAgent-Emergency", (string?)task["assigned_agent_name"]);
        Assert.NotNull((string?)task["started_at"]);
        var stdout = (string?)task["output_data"]!["stdout"];
        Assert.Contains("title seen: Review the cache layer", stdout);
        Assert.Contains($"id {taskId}", stdout);
        Assert.Equal(0, (int?)task["output_data"]!["exit_code"]);
        var progress = (await LogsAsync(taskId)).Where(l => (string?)l!["step_name"] == "output").Select(l => (string?)l!["message"]).ToList();
        Assert.Contains(progress, m => m!.Contains("done"));
        Assert.All(await LogsAsync(taskId), l => Assert.NotEqual("ERROR", (string?)l!["log_level"]));

        await worker.Output.WaitForAsync("✔ completed Review the cache layer", "the worker to log the completion");
        Assert.Equal(0, await worker.StopAsync());
        Assert.Contains("stopped", worker.Output.ToString());
    }

    [Fact]
    public async Task Worker_fails_the_task_with_the_tail_of_stderr_when_the_command_exits_non_zero()
    {
        var token = await TokenAsync("MonitoringAgent-System");
        await using var worker = Start(token, "cat >/dev/null; echo checking; echo 'disk still at 91%' >&2; exit 3");
        await worker.Output.WaitForAsync("connected to", "the worker to connect");

        var taskId = await CreateAsync(new { title = "Disk usage on db-1", task_type = "system_monitoring", priority = "high", auto_assign = false });
        var assign = await Admin().PostJsonAsync($"{TestAgent.Api}/tasks/{taskId}/assign/", new { agent_id = await app.AgentIdAsync("MonitoringAgent-System") });
        Assert.Equal(System.Net.HttpStatusCode.OK, assign.StatusCode);
        await WaitForStatusAsync(taskId, t => (int?)t["retry_count"] == 1, "the worker to fail the task", worker);

        var task = await TaskAsync(taskId);
        Assert.Equal("pending", (string?)task["status"]);
        Assert.NotNull((string?)task["next_attempt_at"]);
        Assert.Contains("command exited with code 3: disk still at 91%", (string?)task["error_details"]);
        var logs = await LogsAsync(taskId);
        Assert.Contains(logs, l => (string?)l!["step_name"] == "output" && (string?)l["message"] == "checking");
        Assert.Contains(logs, l => (string?)l!["step_name"] == "failure" && ((string?)l["message"])!.Contains("exit"));

        await worker.Output.WaitForAsync("✘ failed Disk usage on db-1: command exited with code 3", "the worker to log the failure");
        Assert.Equal(0, await worker.StopAsync());
    }

    [Fact]
    public async Task Stopping_the_worker_gives_back_the_running_task_and_the_ones_it_had_not_started()
    {
        var token = await TokenAsync("GitHubAgent-Issues");
        await using var worker = Start(token, "cat >/dev/null; echo started; sleep 60");
        await worker.Output.WaitForAsync("connected to", "the worker to connect");

        var first = await CreateAsync(new { title = "Sync labels for issue 17", task_type = "github_issue", priority = "high" });
        var second = await CreateAsync(new { title = "Sync labels for issue 18", task_type = "github_issue", priority = "medium" });
        await WaitForStatusAsync(first, t => (string?)t["status"] == "in_progress", "the worker to start the first task", worker);
        var held = await TaskAsync(second);
        Assert.Equal("GitHubAgent-Issues", (string?)held["assigned_agent_name"]);

        Assert.Equal(0, await worker.StopAsync());

        foreach (var id in new[] { first, second })
        {
            var task = await TaskAsync(id);
            Assert.NotEqual("GitHubAgent-Issues", (string?)task["assigned_agent_name"]);
            Assert.Equal(0, (int?)task["retry_count"]);
            Assert.Contains(await LogsAsync(id), l => (string?)l!["step_name"] == "released");
        }

        Assert.Contains("gave back 2 task(s)", worker.Output.ToString());
    }

    [Fact]
    public async Task Worker_without_a_command_acknowledges_and_completes_the_tasks_it_already_held_before_it_started()
    {
        var token = await TokenAsync("GeneralAgent-Backup");
        var agentId = await app.AgentIdAsync("GeneralAgent-Backup");
        var taskId = await CreateAsync(new { title = "Backfill overflow task", task_type = "deployment", priority = "low", auto_assign = false });
        var assign = await Admin().PostJsonAsync($"{TestAgent.Api}/tasks/{taskId}/assign/", new { agent_id = agentId });
        Assert.Equal(System.Net.HttpStatusCode.OK, assign.StatusCode);

        await using var worker = Start(token, null);
        await WaitForStatusAsync(taskId, t => (string?)t["status"] == "completed", "the worker to complete the held task", worker);

        var task = await TaskAsync(taskId);
        Assert.Equal("opsctl agent run", (string?)task["output_data"]!["handled_by"]);
        Assert.Equal(0, await worker.StopAsync());
    }

    [Fact]
    public async Task Worker_with_a_rotated_token_is_refused_with_exit_code_1()
    {
        var token = await TokenAsync("GeneralAgent-Backup");
        await TokenAsync("GeneralAgent-Backup"); // rotated again: the first token is dead

        var run = await CliRun.RunAsync(app.Url, null, ["agent", "run", "--token", token]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("was not accepted", run.Error);
    }
}
