using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using OpsConsole.Cli;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// <c>opsctl agent run</c> rides out a busy database (#19): a report the server refused because it could not have the
/// database (nothing applied) is sent again with backoff and lands once the database is free, exactly once.
/// </summary>
public sealed class OpsctlDatabaseOutageTests
{
    [Fact]
    public async Task A_report_refused_while_the_database_is_busy_is_sent_again_and_lands_once_it_is_free()
    {
        await using var app = new BusyBudgetConsole { Port = Loopback.FreePort() };
        using var admin = new HttpClient { BaseAddress = new Uri(app.Url) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OpsConsoleFactory.BootstrapKey);
        var rotated = await admin.PostAsync($"{TestAgent.Api}/agents/{await app.AgentIdAsync("CodeAgent-Emergency")}/rotate_token/", null);
        var token = (string)(await rotated.ReadObjectAsync())["token"]!;
        var output = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var worker = CliApp.RunAsync(
            ["agent", "run", "--token", token, "--command", "cat >/dev/null; sleep 2; echo reviewed", "--heartbeat-seconds", "1", "--poll-seconds", "1"],
            CliRun.Environment(app.Url, null, output, new LockedWriter()), stop.Token);
        try
        {
            await output.WaitForAsync("connected to", "the worker to connect");
            var created = await admin.PostJsonAsync($"{TestAgent.Api}/tasks/", new { title = "Review during a lock", task_type = "code_review" });
            var taskId = (string)(await created.ReadObjectAsync())["id"]!;
            await output.WaitForAsync("Review during a lock", "the worker to start the task");

            // Another process takes the database while the command runs: the completion cannot be written.
            await using (await DatabaseLock.TakeAsync(app.DataDirectory))
            {
                await output.WaitForAsync("server busy", "the worker to hear that the database is busy");
            }

            await output.WaitForAsync("✔ completed Review during a lock", "the worker to complete the task once the database is free");
            var task = await (await admin.GetAsync($"{TestAgent.Api}/tasks/{taskId}/")).ReadObjectAsync();
            Assert.Equal("completed", (string?)task["status"]);
            var logs = System.Text.Json.Nodes.JsonNode.Parse(await admin.GetStringAsync($"{TestAgent.Api}/tasks/{taskId}/execution_logs/"))!.AsArray();
            Assert.Single(logs, l => (string?)l!["step_name"] == "completed");
        }
        finally
        {
            await stop.CancelAsync();
            await worker.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private sealed class BusyBudgetConsole : LoopbackOpsConsole
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
            [.. base.Settings, new("OpsConsole:Database:CommandTimeoutSeconds", "1")];
    }
}
