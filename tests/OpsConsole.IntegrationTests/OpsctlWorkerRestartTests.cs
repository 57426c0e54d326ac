using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using OpsConsole.Cli;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary><c>opsctl agent run</c> rides out a server restart: it reconnects and takes the work created afterwards.</summary>
public sealed class OpsctlWorkerRestartTests
{
    [Fact]
    public async Task Worker_reconnects_after_the_server_restarts_and_completes_the_next_task()
    {
        var port = Loopback.FreePort();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "opsconsole-tests", Guid.NewGuid().ToString("N"));
        var output = new LockedWriter();
        using var stop = new CancellationTokenSource();
        Task<int> worker;
        try
        {
            await using (var before = new LoopbackOpsConsole { Port = port, DataDirectory = dataDirectory, KeepData = true })
            {
                var token = await RotateTokenAsync(before, "CodeAgent-Emergency");
                worker = CliApp.RunAsync(
                    ["agent", "run", "--token", token, "--command", "cat >/dev/null; echo reviewed", "--heartbeat-seconds", "1", "--poll-seconds", "1"],
                    CliRun.Environment(before.Url, null, output, new LockedWriter()), stop.Token);
                await output.WaitForAsync("connected to", "the worker to connect");
            }

            await Eventually.TrueAsync(() => output.ToString().Contains("reconnecting") || output.ToString().Contains("unreachable"), "the worker to notice the server went away", detail: output.ToString);

            await using var after = new LoopbackOpsConsole { Port = port, DataDirectory = dataDirectory };
            using var admin = new HttpClient { BaseAddress = new Uri(after.Url) };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OpsConsoleFactory.BootstrapKey);
            var created = await admin.PostJsonAsync($"{TestAgent.Api}/tasks/", new { title = "Review after restart", task_type = "code_review" });
            var taskId = (string)(await created.ReadObjectAsync())["id"]!;

            // The worker's reconnect backs off to 15 s while the console restarts: a minute leaves room for that on a busy machine.
            await admin.WaitForTaskAsync(taskId, t => (string?)t["status"] == "completed" || (worker.IsCompleted ? throw new InvalidOperationException("the worker exited") : false),
                "the worker to complete the task after the restart", () => $"--- worker\n{output}", TimeSpan.FromMinutes(1));
            await output.WaitForAsync("✔ completed Review after restart", "the worker to log the completion");
            await stop.CancelAsync();
            Assert.Equal(0, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private static async Task<string> RotateTokenAsync(LoopbackOpsConsole app, string agent)
    {
        using var admin = new HttpClient { BaseAddress = new Uri(app.Url) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OpsConsoleFactory.BootstrapKey);
        var response = await admin.PostAsync($"{TestAgent.Api}/agents/{await app.AgentIdAsync(agent)}/rotate_token/", null);
        response.EnsureSuccessStatusCode();
        return (string)(await response.ReadObjectAsync())["token"]!;
    }
}
