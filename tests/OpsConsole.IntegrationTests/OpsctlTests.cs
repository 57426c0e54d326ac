using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using OpsConsole.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace OpsConsole.IntegrationTests;

/// <summary>opsctl against the real app on a loopback port: each command's output and exit code.</summary>
public sealed class OpsctlTests(LoopbackOpsConsole app, ITestOutputHelper log) : IClassFixture<LoopbackOpsConsole>
{
    [Fact]
    public async Task Status_prints_health_task_counts_and_an_aligned_agent_table()
    {
        var run = await app.OpsctlAsync("status");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Health: ", run.Out);
        Assert.Contains("Agents: 5 total", run.Out);
        var lines = run.Out.Split('\n');
        var header = lines.Single(l => l.StartsWith("AGENT", StringComparison.Ordinal));
        var primary = lines.Single(l => l.StartsWith("DeploymentAgent-Primary", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("STATUS", StringComparison.Ordinal), primary.IndexOf("available", StringComparison.Ordinal));
        Assert.DoesNotContain("\u001b[", run.Out); // no colours when output is not a terminal
    }

    [Fact]
    public async Task Agents_list_on_a_terminal_colours_statuses_without_breaking_the_columns()
    {
        var output = new LockedWriter();
        var environment = CliRun.Environment(app.Url, OpsConsoleFactory.BootstrapKey, output, new LockedWriter()) with { Color = true };

        var code = await Cli.CliApp.RunAsync(["agents", "list"], environment, CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Contains("\u001b[32mavailable", output.ToString());
        var plain = System.Text.RegularExpressions.Regex.Replace(output.ToString(), "\u001b\\[[0-9;]*m", "");
        var lines = plain.Split('\n');
        var header = lines.First(l => l.StartsWith("NAME", StringComparison.Ordinal));
        foreach (var column in new[] { "TYPE", "STATUS", "TASKS" })
        {
            var at = header.IndexOf(column, StringComparison.Ordinal);
            Assert.All(lines.Where(l => l.Contains("Agent-")), l => Assert.True(l[at - 1] == ' ' && l[at] != ' ', $"{column} misaligned in: {l}"));
        }
    }

    [Fact]
    public async Task Status_json_is_the_original_status_payload_with_dates_as_strings()
    {
        var run = await app.OpsctlAsync("status", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var payload = JsonNode.Parse(run.Out)!;
        Assert.Equal("2026-11-25T12:00:00.000000Z", (string?)payload["timestamp"]);
        Assert.NotNull(payload["orchestration"]!["tasks"]!["total"]);
        Assert.NotNull(payload["orchestration"]!["recent_activity"]!["tasks_created_24h"]);
        Assert.NotNull(payload["recent_failures_24h"]);
        Assert.Equal(5, payload["agents"]!.AsArray().Count);
        Assert.Equal(false, (bool?)payload["demo"]);
        Assert.True((bool?)payload["integration_active"]);
        var agent = payload["agents"]!.AsArray().First(a => (string?)a!["name"] == "DeploymentAgent-Primary")!;
        Assert.Equal(5, (int?)agent["max_tasks"]);
        Assert.Equal(8.0, (double?)agent["efficiency"]);
    }

    [Fact]
    public async Task Test_failure_creates_the_production_failure_task_and_names_its_agent()
    {
        var run = await app.OpsctlAsync("test-failure", "deploy-test-001");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Testing failure handling for deployment: deploy-test-001", run.Out);
        Assert.Contains("Created test task:", run.Out);
        Assert.Contains("🚨 PRODUCTION FAILURE: deploy-test-001", run.Out);
        Assert.Contains("priority critical, status assigned, agent DeploymentAgent-Primary", run.Out);

        var json = await app.OpsctlAsync("test-failure", "deploy-test-002", "--message", "Database migration failed", "--step", "migrate", "--json");
        var task = JsonNode.Parse(json.Out)!;
        Assert.Equal("emergency", (string?)task["priority"]);
        Assert.Equal("deployment", (string?)task["task_type"]);
        Assert.Equal("deploy-test-002", (string?)task["input_data"]!["deployment_id"]);
        Assert.Equal("production_deployment_failure", (string?)task["input_data"]!["source"]);
        Assert.Equal("migrate", (string?)task["input_data"]!["error_details"]!["failed_step"]);
        var due = DateTimeOffset.Parse((string)task["due_date"]!); // opsctl's own clock: due within the hour
        Assert.InRange(due, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(61));
    }

    [Fact]
    public async Task Tasks_list_show_and_triage_commands_print_what_happened()
    {
        var created = JsonNode.Parse((await app.OpsctlAsync("test-failure", "deploy-triage-1", "--json")).Out)!;
        var id = (string)created["id"]!;

        var list = await app.OpsctlAsync("tasks", "list", "--status", "assigned,in_progress");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.StartsWith("ID", list.Out);
        Assert.Contains(id, list.Out);

        var listJson = JsonNode.Parse((await app.OpsctlAsync("tasks", "list", "--json")).Out)!.AsArray();
        Assert.Contains(listJson, t => (string?)t!["id"] == id);

        var show = await app.OpsctlAsync("tasks", "show", id);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("🚨 PRODUCTION FAILURE: deploy-triage-1", show.Out);
        Assert.Contains("assignment", show.Out);

        var escalate = await app.OpsctlAsync("tasks", "escalate", id, "--reason", "customer impact");
        Assert.True(escalate.ExitCode == 0, escalate.ToString());
        Assert.Contains("Task escalated to level 1", escalate.Out);
        Assert.Contains("priority emergency", escalate.Out);

        var retry = await app.OpsctlAsync("tasks", "retry", id);
        Assert.Equal(1, retry.ExitCode);
        Assert.Contains("refused (409 Conflict): Task cannot be retried: only a failed task can be retried; this one is assigned", retry.Error);

        var cancel = await app.OpsctlAsync("tasks", "cancel", id, "--reason", "duplicate");
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Contains("now cancelled", cancel.Out);

        var complete = await app.OpsctlAsync("tasks", "complete", id);
        Assert.Equal(1, complete.ExitCode);
        Assert.Contains("already cancelled", complete.Error);
    }

    [Fact]
    public async Task Agents_list_shows_every_agent_with_load_and_success_rate()
    {
        var run = await app.OpsctlAsync("agents", "list");
        var json = JsonNode.Parse((await app.OpsctlAsync("agents", "list", "--json")).Out)!.AsArray();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("NAME", run.Out);
        foreach (var name in new[] { "DeploymentAgent-Primary", "GitHubAgent-Issues", "CodeAgent-Emergency", "MonitoringAgent-System", "GeneralAgent-Backup" })
        {
            Assert.Contains(name, run.Out);
        }

        Assert.Contains("100.0%", run.Out);
        Assert.Equal(5, json.Count);
    }

    [Fact]
    public async Task Bad_usage_exits_2_with_a_message_that_says_what_is_expected()
    {
        var badId = await app.OpsctlAsync("tasks", "show", "not-a-uuid");
        var unknownStatus = await app.OpsctlAsync("tasks", "list", "--status", "done");
        var noCommand = await app.OpsctlAsync("tasks");
        var noKey = await CliRun.RunAsync(app.Url, null, ["status"]);
        var apiKeyAsAgent = await app.OpsctlAsync("agent", "run", "--token", OpsConsoleFactory.BootstrapKey);

        Assert.Equal(2, badId.ExitCode);
        Assert.Contains("'not-a-uuid' is not a task id", badId.Error);
        Assert.Equal(2, unknownStatus.ExitCode);
        Assert.Contains("allowed: pending, assigned", unknownStatus.Error);
        Assert.Equal(2, noCommand.ExitCode);
        Assert.Equal(2, noKey.ExitCode);
        Assert.Contains("OPSCONSOLE_API_KEY is not set", noKey.Error);
        Assert.Equal(2, apiKeyAsAgent.ExitCode);
        Assert.Contains("must be an agent token", apiKeyAsAgent.Error);
    }

    [Fact]
    public async Task Refused_and_unreachable_requests_exit_1_and_say_what_to_do()
    {
        var unknown = await app.OpsctlAsync("tasks", "show", Guid.Empty.ToString());
        var wrongKey = await CliRun.RunAsync(app.Url, "ops_not-a-real-key", ["status"]);
        var closedPort = Loopback.FreePort();
        var unreachable = await CliRun.RunAsync($"http://127.0.0.1:{closedPort}", OpsConsoleFactory.BootstrapKey, ["status"]);

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("refused (404 Not found): Task 00000000-0000-0000-0000-000000000000 was not found", unknown.Error);
        Assert.Equal(1, wrongKey.ExitCode);
        Assert.Contains("check OPSCONSOLE_API_KEY", wrongKey.Error);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains($"Cannot reach OpsConsole at http://127.0.0.1:{closedPort}", unreachable.Error);
        Assert.Contains("export OPSCONSOLE_URL=", unreachable.Error);
    }

    [Fact]
    public async Task Monitor_once_prints_a_snapshot_and_monitor_follows_changes_live_until_stopped()
    {
        var once = await app.OpsctlAsync("monitor", "--once");
        Assert.True(once.ExitCode == 0, once.ToString());
        Assert.Contains("Open tasks", once.Out);
        Assert.Contains("DeploymentAgent-Primary", once.Out);

        var output = new LockedWriter();
        var error = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var monitor = Cli.CliApp.RunAsync(["monitor"], CliRun.Environment(app.Url, OpsConsoleFactory.BootstrapKey, output, error), stop.Token);
        await output.WaitForAsync("following", "the monitor to connect");

        await app.OpsctlAsync("test-failure", "deploy-live-7");
        await Eventually.TrueAsync(() => output.ToString().Contains("PRODUCTION FAILURE: deploy-live-7") && output.ToString().Contains("agent  DeploymentAgent-Primary"),
            "the new task and its agent's new load to show up live", detail: output.ToString);
        var stopping = Stopwatch.StartNew();
        await stop.CancelAsync();

        // Asked to stop, the monitor says so and returns 0 (it takes milliseconds; how long is logged, not asserted, as a busy
        // CI machine may be slower). The ceiling is there for a monitor that does not stop at all, so it cannot hold up the run.
        Assert.Equal(0, await monitor.WaitAsync(TimeSpan.FromSeconds(15)));
        log.WriteLine($"monitor stopped {stopping.ElapsedMilliseconds} ms after it was asked to");
        Assert.Contains("-- stopped", output.ToString());
        Assert.Matches(@"task\s+critical\s+assigned → DeploymentAgent-Primary\s+🚨 PRODUCTION FAILURE: deploy-live-7", output.ToString());
    }

    [Fact]
    public async Task Opsctl_program_run_as_a_process_returns_its_exit_codes()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "opsctl.dll");
        Assert.True(File.Exists(dll), $"opsctl.dll is copied next to the tests: {dll}");

        var ok = await RunProcessAsync(dll, "status", "--json");
        var usage = await RunProcessAsync(dll, "tasks", "show", "x");

        Assert.True(ok.Code == 0, ok.Error);
        Assert.NotNull(JsonNode.Parse(ok.Out)!["orchestration"]);
        Assert.Equal(2, usage.Code);
    }

    private async Task<(int Code, string Out, string Error)> RunProcessAsync(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["OPSCONSOLE_URL"] = app.Url;
        info.Environment["OPSCONSOLE_API_KEY"] = OpsConsoleFactory.BootstrapKey;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
