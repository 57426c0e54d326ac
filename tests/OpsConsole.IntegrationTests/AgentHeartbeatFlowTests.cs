using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>An agent that stops sending heartbeats goes offline on the next sweep and its work moves to other agents at once.</summary>
public sealed class AgentHeartbeatFlowTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private async Task HeartbeatAllExceptAsync(Guid silent)
    {
        foreach (var agent in Results(await admin.GetObjectAsync($"{Routes.Agents}?page_size=100")).Where(a => Id(a) != silent))
        {
            await app.AgentOperations.HeartbeatAsync(Id(agent), "127.0.0.1", CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_silent_agent_goes_offline_after_600_seconds_and_its_tasks_are_reassigned_at_once_without_using_a_retry()
    {
        await app.HeartbeatAllAsync();
        var primary = await app.AgentIdAsync("DeploymentAgent-Primary");
        var assigned = await admin.CreateTaskAsync($"silent-assigned {Routes.Tag()}", taskType: "deployment", priority: "critical");
        var started = await admin.CreateTaskAsync($"silent-started {Routes.Tag()}", taskType: "deployment", priority: "critical");
        Assert.Equal("DeploymentAgent-Primary", Str(assigned, "assigned_agent_name"));
        Assert.Equal("DeploymentAgent-Primary", Str(started, "assigned_agent_name"));
        await admin.PostEmptyAsync($"{Routes.Task(Id(started))}start/").ObjectAsync();

        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(599));
        Assert.Equal("available", (string?)(await admin.GetAgentAsync(primary))["status"]);
        Assert.Equal("DeploymentAgent-Primary", (string?)(await admin.GetTaskAsync(Id(assigned)))["assigned_agent_name"]);

        await HeartbeatAllExceptAsync(primary);
        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(2));

        var agent = await admin.GetAgentAsync(primary);
        Assert.Equal("offline", (string?)agent["status"]);
        Assert.Equal(0, (int?)agent["current_task_count"]);
        foreach (var id in new[] { Id(assigned), Id(started) })
        {
            var task = await admin.GetTaskAsync(id);
            Assert.Equal("assigned", (string?)task["status"]);
            Assert.NotNull((string?)task["assigned_agent_name"]);
            Assert.NotEqual("DeploymentAgent-Primary", (string?)task["assigned_agent_name"]);
            Assert.Equal(0, (int?)task["retry_count"]);
            var why = (await admin.LogsAsync(id)).Single(l => (string?)l["step_name"] == "reassignment");
            Assert.Contains("DeploymentAgent-Primary", Str(why, "message"));
            Assert.Contains("heartbeat", Str(why, "message"));
        }

        Assert.Empty(await admin.GetArrayAsync($"{Routes.Agent(primary)}current_tasks/"));
    }

    [Fact]
    public async Task A_heartbeat_brings_an_offline_agent_back_to_available()
    {
        var (id, token, _) = await admin.CreateAgentAsync($"Returning-{Routes.Tag()}", "monitoring", ["system_monitoring"]);
        await admin.UpdateAgentStatusAsync(id, "set_offline");
        Assert.Equal("offline", (string?)(await admin.GetAgentAsync(id))["status"]);
        app.Time.Advance(TimeSpan.FromSeconds(30));

        var answer = await app.CreateClientWithToken(token).PostEmptyAsync($"{Routes.Agent(id)}heartbeat/").ObjectAsync();

        Assert.Equal("Heartbeat updated", (string?)answer["message"]);
        var agent = await admin.GetAgentAsync(id);
        Assert.Equal("available", (string?)agent["status"]);
        Assert.Equal(app.Now(), Time(agent, "last_heartbeat"));
        Assert.True((bool)agent["is_available_for_assignment"]!);
    }

    [Fact]
    public async Task A_heartbeat_does_not_bring_back_a_deactivated_agent_and_its_own_token_is_refused()
    {
        var (id, token, _) = await admin.CreateAgentAsync($"Retired-{Routes.Tag()}", "monitoring", ["system_monitoring"]);
        await admin.UpdateAgentStatusAsync(id, "deactivate");

        var refused = await app.CreateClientWithToken(token).PostEmptyAsync($"{Routes.Agent(id)}heartbeat/").ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("deactivated", (string?)refused["detail"]);
        await (await admin.PostEmptyAsync($"{Routes.Agent(id)}heartbeat/")).ExpectAsync(HttpStatusCode.OK); // an administrator's, on its behalf

        var agent = await admin.GetAgentAsync(id);
        Assert.Equal("offline", (string?)agent["status"]);
        Assert.False((bool)agent["is_active"]!);
    }

    [Fact]
    public async Task Taking_an_agent_into_maintenance_moves_its_tasks_to_other_agents()
    {
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"maintenance {Routes.Tag()}", taskType: "bug_fix", priority: "high");
        var holder = Guid.Parse(Str(task["assigned_agent"]!, "id"));

        await admin.UpdateAgentStatusAsync(holder, "set_maintenance");

        var after = await admin.GetTaskAsync(Id(task));
        Assert.Equal("assigned", (string?)after["status"]);
        Assert.NotEqual(holder, Guid.Parse(Str(after["assigned_agent"]!, "id")));
        Assert.Equal(0, (int?)after["retry_count"]);
        await admin.UpdateAgentStatusAsync(holder, "set_available");
    }
}
