using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsConsole.Features.Agents.Demo;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>OpsConsole:Demo: simulated agents that work like real ones, driven here tick by tick on fake time.</summary>
public sealed class DemoTests
{
    /// <summary>The app with Demo on, but with the demo's background loops removed so the test drives them itself.</summary>
    private sealed class DemoApp : OpsConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("OpsConsole:Demo", "true")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                foreach (var loop in services.Where(d => d.ServiceType == typeof(IHostedService)
                             && (d.ImplementationType == typeof(DemoAgents) || d.ImplementationType == typeof(DemoFeeder))).ToList())
                {
                    services.Remove(loop);
                }
            });
        }

        public DemoAgents Agents(Random random) => ActivatorUtilities.CreateInstance<DemoAgents>(Services, random);
    }

    /// <summary>A Random whose rolls are always the same: 0.99 never fails a task, 0.0 always does.</summary>
    private sealed class FixedRandom(double roll) : Random
    {
        public override double NextDouble() => roll;

        public override int Next(int maxValue) => 0;
    }

    [Fact]
    public async Task Demo_agents_heartbeat_start_report_progress_and_complete_their_tasks_as_agents()
    {
        await using var app = new DemoApp();
        var demo = app.Agents(new FixedRandom(0.99));
        var taskId = Guid.Parse((string)(await app.CreateTaskAsync(new { title = "Fix checkout", task_type = "bug_fix", priority = "high" }))["id"]!);

        for (var tick = 0; tick < 30 && (string?)(await app.TaskAsync(taskId))["status"] != "completed"; tick++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            await demo.TickAsync(CancellationToken.None);
        }

        var task = await app.TaskAsync(taskId);
        Assert.Equal("completed", (string?)task["status"]);
        Assert.Equal(true, (bool?)task["output_data"]!["demo"]);
        var logs = await app.LogsAsync(taskId);
        Assert.Contains(logs, l => (string?)l!["step_name"] == "started" && (string?)l["actor_type"] == "agent");
        Assert.Contains(logs, l => (string?)l!["step_name"] == "reproduce" && (int?)l["percent"] > 0);
        var agent = await app.AgentAsync(Guid.Parse((string)task["assigned_agent"]!["id"]!));
        Assert.NotNull((string?)agent["last_heartbeat"]);
        Assert.Equal(1, (int?)agent["total_tasks_completed"]);
    }

    [Fact]
    public async Task Demo_agent_failure_goes_through_the_failure_policy_and_agents_with_a_token_are_left_to_their_worker()
    {
        await using var app = new DemoApp();
        await using var real = await TestAgent.CreateAsync(app, "DeploymentAgent-Primary", connect: false); // has a token now: a real worker's
        var demo = app.Agents(new FixedRandom(0.0));
        var deployment = Guid.Parse((string)(await app.CreateTaskAsync(new { title = "Deploy failed", task_type = "deployment", priority = "critical" }))["id"]!);
        var monitoring = Guid.Parse((string)(await app.CreateTaskAsync(new { title = "Latency alert", task_type = "system_monitoring", priority = "medium", auto_assign = false }))["id"]!);
        var assigned = await app.CreateAdminClient().PostJsonAsync($"{TestAgent.Api}/tasks/{monitoring}/assign/", new { agent_id = await app.AgentIdAsync("MonitoringAgent-System") });
        Assert.Equal(System.Net.HttpStatusCode.OK, assigned.StatusCode);

        for (var tick = 0; tick < 30 && (int?)(await app.TaskAsync(monitoring))["retry_count"] == 0; tick++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            await demo.TickAsync(CancellationToken.None);
        }

        var failed = await app.TaskAsync(monitoring);
        Assert.Equal("pending", (string?)failed["status"]);
        Assert.Equal(1, (int?)failed["retry_count"]);
        Assert.NotNull((string?)failed["next_attempt_at"]);
        Assert.Contains(await app.LogsAsync(monitoring), l => (string?)l!["step_name"] == "retry_scheduled");

        var untouched = await app.TaskAsync(deployment);
        Assert.Equal("DeploymentAgent-Primary", (string?)untouched["assigned_agent_name"]);
        Assert.Equal("assigned", (string?)untouched["status"]);
    }

    [Fact]
    public async Task Demo_status_says_so_and_the_feeder_creates_a_realistic_task_on_its_own()
    {
        await using var app = new DemoApp();
        var status = await (await app.CreateAdminClient().GetAsync($"{TestAgent.Api}/status/status/")).ReadObjectAsync();
        Assert.True((bool?)status["demo"]);

        var feeder = ActivatorUtilities.CreateInstance<DemoFeeder>(app.Services, new FixedRandom(0.0));
        await feeder.StartAsync(CancellationToken.None);
        try
        {
            // The feeder's loop starts on its own thread and waits on the fake clock: time moves on until the feeder has stored
            // its first task (a wait it starts just after an advance needs the next one), then stands still, so the feeder (next
            // due 20 s later) stores no second one while the assignment pass gives the first to an agent.
            async Task<JsonArray> TasksAsync() => (await (await app.CreateAdminClient().GetAsync($"{TestAgent.Api}/tasks/")).ReadObjectAsync())["results"]!.AsArray();
            await Eventually.TrueAsync(async () =>
            {
                app.Time.Advance(DemoFeeder.FirstAfter);
                return (await TasksAsync()).Count > 0;
            }, "the feeder to store its first task");
            var tasks = await Eventually.FindAsync(async () => await TasksAsync() is { Count: > 0 } all && (string?)all[0]!["status"] != "pending" ? all : null,
                "the feeder's task to be given to an agent");

            var task = Assert.Single(tasks)!;
            Assert.StartsWith("🚨 PRODUCTION FAILURE: deploy-", (string?)task["title"]);
            Assert.Equal("production", (string?)task["environment"]);
            Assert.Equal("assigned", (string?)task["status"]);
            var detail = await app.TaskAsync(Guid.Parse((string)task["id"]!));
            Assert.Equal("production_deployment_failure", (string?)detail["input_data"]!["source"]);
        }
        finally
        {
            await feeder.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Demo_never_runs_unless_asked()
    {
        await using var app = new OpsConsoleFactory();

        var status = await (await app.CreateAdminClient().GetAsync($"{TestAgent.Api}/status/status/")).ReadObjectAsync();

        Assert.Equal(false, (bool?)status["demo"]);
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), s => s is DemoAgents or DemoFeeder);
    }
}
