using System.Net;
using System.Text.Json.Nodes;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Runs;

/// <summary>
/// Attempts (#15 part 3): every run of a task is an attempt with its outcome, error and output tail, and the agent that
/// gets the task next receives the previous attempts (redacted, cut to 4,000 characters) wherever it reads the task.
/// </summary>
public sealed class AttemptTests
{
    private const string Primary = "DeploymentAgent-Primary";
    private const string Monitoring = "MonitoringAgent-System";
    private const string Backup = "GeneralAgent-Backup";

    [Fact]
    public async Task The_second_agent_receives_why_the_first_attempt_failed_redacted_and_cut_to_4000_characters()
    {
        await using var app = new OpsConsoleFactory();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        await using var monitoring = await TestAgent.CreateAsync(app, Monitoring);
        await using var backup = await TestAgent.CreateAsync(app, Backup);
        var taskId = Id(await app.CreateTaskAsync(new { title = $"attempts {Routes.Tag()}", task_type = "deployment", priority = "critical" }));
        await primary.NextAssignedAsync();
        await primary.InvokeAsync("StartTask", taskId.ToString());
        await primary.InvokeAsync("ReportProgress", taskId.ToString(), new { message = new string('x', 3000) + " first half" });
        await primary.InvokeAsync("ReportProgress", taskId.ToString(), new { message = "npm run build: webpack exited with 2" });
        await primary.InvokeAsync("FailTask", taskId.ToString(), new
        {
            error_message = "build failed with token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            error_details = new string('e', 5000),
        });

        var failed = await app.TaskAsync(taskId);
        await app.AdvanceAndSweepAsync(DateTimeOffset.Parse(Str(failed, "next_attempt_at")) - app.Now() + TimeSpan.FromSeconds(1));
        var holder = Str(await app.TaskAsync(taskId), "assigned_agent_name") == Monitoring ? monitoring : backup;
        var pushed = await holder.NextAssignedAsync();

        var previous = Assert.Single(pushed["previous_attempts"]!.AsArray())!;
        Assert.Equal(1, (int?)previous["attempt"]);
        Assert.Equal(primary.Id.ToString(), (string?)previous["agent_id"]);
        Assert.Equal(Primary, (string?)previous["agent_name"]);
        Assert.Equal("failed", (string?)previous["outcome"]);
        var error = Str(previous, "error_message");
        Assert.StartsWith("build failed with token", error);
        Assert.DoesNotContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789", error);
        Assert.True(error.Length <= 4000, $"error_message is {error.Length} characters");
        var output = Str(previous, "output_tail");
        Assert.EndsWith("webpack exited with 2", output);
        Assert.True(output.Length <= 4000, $"output_tail is {output.Length} characters");
        Assert.NotNull((string?)previous["started_at"]);
        Assert.NotNull((string?)previous["ended_at"]);

        var current = (await (await holder.Http.GetAsync($"{Routes.Agent(holder.Id)}current_tasks/")).ReadNodeAsync()).AsArray();
        Assert.Equal("failed", (string?)Assert.Single(current)!["previous_attempts"]![0]!["outcome"]);
        var started = await holder.InvokeAsync("StartTask", taskId.ToString());
        Assert.Single(started["previous_attempts"]!.AsArray());

        var attempts = await holder.Http.GetAsync($"{Routes.Task(taskId)}attempts/").ArrayAsync();
        Assert.Equal(["failed", "running"], attempts.Select(a => (string?)a!["outcome"]));
        Assert.Equal([1, 2], attempts.Select(a => (int?)a!["attempt"]));
    }

    [Fact]
    public async Task Released_lost_and_revoked_runs_are_attempts_with_their_outcome()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var taskId = Id(await app.CreateTaskAsync(new { title = $"outcomes {Routes.Tag()}", task_type = "deployment", priority = "critical" }));
        await primary.NextAssignedAsync();
        await primary.InvokeAsync("ReleaseTask", taskId.ToString());

        // The next holder goes silent: its run is lost when its heartbeat times out.
        var second = Str(await app.TaskAsync(taskId), "assigned_agent_name");
        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(5));
        await primary.InvokeAsync("Heartbeat");
        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(6));

        Assert.Equal("assigned", Str(await app.TaskAsync(taskId), "status"));
        var (fresh, _, _) = await admin.CreateAgentAsync($"fresh-{Routes.Tag()}", capabilities: ["deployment"]);
        await (await admin.PostJsonAsync($"{Routes.Task(taskId)}assign/", new { agent_id = fresh })).ExpectAsync(HttpStatusCode.OK);

        var attempts = await admin.GetArrayAsync($"{Routes.Task(taskId)}attempts/");
        Assert.Equal(["released", "lost", "revoked", "running"], attempts.Select(a => (string?)a!["outcome"]));
        Assert.Equal(Primary, (string?)attempts[0]!["agent_name"]);
        Assert.Equal(second, (string?)attempts[1]!["agent_name"]);
        Assert.All(attempts.Take(3), a => Assert.NotNull((string?)a!["ended_at"]));
    }

    [Fact]
    public async Task Attempts_answer_400_for_a_bad_id_404_for_an_unknown_task_and_403_to_an_agent_that_does_not_hold_it()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        await admin.GetAsync($"{Routes.Tasks}not-a-uuid/attempts/").ProblemAsync(HttpStatusCode.BadRequest);
        await admin.GetAsync($"{Routes.Task(Guid.NewGuid())}attempts/").ProblemAsync(HttpStatusCode.NotFound);
        var taskId = Id(await admin.CreateTaskAsync($"not yours {Routes.Tag()}", autoAssign: false));
        var (_, token, _) = await admin.CreateAgentAsync($"stranger-{Routes.Tag()}");
        await app.CreateClientWithToken(token).GetAsync($"{Routes.Task(taskId)}attempts/").ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Empty(await admin.GetArrayAsync($"{Routes.Task(taskId)}attempts/"));
    }
}
