using System.Net.Http.Headers;
using OpsConsole.Cli;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Runs;

/// <summary>
/// <c>opsctl agent run</c> and the run features (#15): the command's stdin carries previous_attempts, each steering message is
/// appended as a JSON line to <c>OPSCONSOLE_MESSAGES_FILE</c>, and usage lines it prints are reported once.
/// </summary>
public sealed class OpsctlSteeringTests(LoopbackOpsConsole app) : IClassFixture<LoopbackOpsConsole>
{
    private HttpClient Admin()
    {
        var client = new HttpClient { BaseAddress = new Uri(app.Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OpsConsoleFactory.BootstrapKey);
        return client;
    }

    [Fact]
    public async Task The_worker_writes_each_message_as_a_json_line_to_the_messages_file_while_the_command_runs()
    {
        var admin = Admin();
        var agentId = await app.AgentIdAsync("CodeAgent-Emergency");
        var token = (string)(await (await admin.PostAsync($"{TestAgent.Api}/agents/{agentId}/rotate_token/", null)).ReadObjectAsync())["token"]!;
        // The command waits for a message, then prints it and what its stdin said about earlier attempts, and its usage.
        const string command = """
            task=$(cat); echo "$task" | grep -o '"previous_attempts":\[\]' | head -1
            for i in $(seq 1 200); do if grep -q staging "$OPSCONSOLE_MESSAGES_FILE"; then break; fi; sleep 0.1; done
            echo "heard: $(cat "$OPSCONSOLE_MESSAGES_FILE")"
            echo '{"message":"model usage","usage":{"input_tokens":1200,"output_tokens":300,"cost_usd":0.02,"model":"claude-sonnet-4"}}'
            """;
        var output = new LockedWriter();
        var error = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var run = CliApp.RunAsync(["agent", "run", "--token", token, "--command", command, "--heartbeat-seconds", "1", "--poll-seconds", "1"],
            CliRun.Environment(app.Url, null, output, error), stop.Token);
        await output.WaitForAsync("connected to", "the worker to connect");
        var created = await (await admin.PostJsonAsync($"{TestAgent.Api}/tasks/", new { title = "Fix the flaky login test", task_type = "bug_fix", priority = "emergency" })).ReadObjectAsync();
        var taskId = (string)created["id"]!;
        await WaitForStatusAsync(admin, taskId, "in_progress", output);

        var sent = await (await admin.PostJsonAsync($"{TestAgent.Api}/tasks/{taskId}/messages/", new { text = "Use the staging database" })).ReadObjectAsync();

        await WaitForStatusAsync(admin, taskId, "completed", output);
        var task = await Get(admin, taskId);
        var stdout = (string)task["output_data"]!["stdout"]!;
        Assert.Contains("\"previous_attempts\":[]", stdout);
        Assert.Contains($"heard: {{\"task_id\":\"{taskId}\",\"id\":\"{sent["id"]}\",\"text\":\"Use the staging database\",\"author\":\"{sent["author"]}\"}}", stdout);
        Assert.Equal(0.02m, (decimal?)task["cost_usd"]);
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static Task WaitForStatusAsync(HttpClient admin, string taskId, string status, LockedWriter output) =>
        admin.WaitForTaskAsync(taskId, t => (string?)t["status"] == status, $"the task to become {status}", () => $"--- worker\n{output}");

    private static async Task<System.Text.Json.Nodes.JsonObject> Get(HttpClient admin, string taskId) =>
        await (await admin.GetAsync($"{TestAgent.Api}/tasks/{taskId}/")).ReadObjectAsync();
}
