using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// One agent with room for one task (the seeded agents are taken out of service): busy follows the load, and freed
/// capacity is used at once. Order-sensitive, so it is one flow in its own class.
/// </summary>
public sealed class CapacityFlowTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task Completing_a_task_frees_the_busy_agent_and_the_waiting_task_is_assigned_at_once()
    {
        await admin.DeactivateSeededAgentsAsync();
        var (solo, _, _) = await admin.CreateAgentAsync("Solo", "general", maxConcurrentTasks: 1);

        var first = await admin.CreateTaskAsync("first", taskType: "maintenance");
        Assert.Equal("Solo", (string?)first["assigned_agent_name"]);
        var busy = await admin.GetAgentAsync(solo);
        Assert.Equal("busy", (string?)busy["status"]);
        Assert.Equal(1, (int?)busy["current_task_count"]);
        Assert.False((bool)busy["is_available_for_assignment"]!);

        var second = await admin.CreateTaskAsync("second", taskType: "maintenance");
        Assert.Equal("pending", (string?)second["status"]);
        Assert.Null(second["assigned_agent"]);

        await admin.PostJsonAsync($"{Routes.Task(Id(first))}complete/", new { }).ObjectAsync();

        var moved = await admin.GetTaskAsync(Id(second));
        Assert.Equal("assigned", (string?)moved["status"]);
        Assert.Equal("Solo", (string?)moved["assigned_agent_name"]);
        Assert.Equal("busy", (string?)(await admin.GetAgentAsync(solo))["status"]);

        await admin.PostJsonAsync($"{Routes.Task(Id(second))}complete/", new { }).ObjectAsync();

        var free = await admin.GetAgentAsync(solo);
        Assert.Equal("available", (string?)free["status"]);
        Assert.Equal(0, (int?)free["current_task_count"]);
        Assert.Equal(2, (int?)free["total_tasks_completed"]);
        Assert.True((bool)free["is_available_for_assignment"]!);

        // Cancelling frees capacity too.
        var third = await admin.CreateTaskAsync("third", taskType: "maintenance");
        var fourth = await admin.CreateTaskAsync("fourth", taskType: "maintenance");
        Assert.Equal("pending", (string?)fourth["status"]);
        await admin.PostEmptyAsync($"{Routes.Task(Id(third))}cancel/").ObjectAsync();
        Assert.Equal("Solo", (string?)(await admin.GetTaskAsync(Id(fourth)))["assigned_agent_name"]);

        // More capacity (an edit) is used at once as well.
        var fifth = await admin.CreateTaskAsync("fifth", taskType: "maintenance");
        Assert.Equal("pending", (string?)fifth["status"]);
        await admin.PatchJsonAsync(Routes.Agent(solo), new { max_concurrent_tasks = 2 }).ObjectAsync();
        Assert.Equal("Solo", (string?)(await admin.GetTaskAsync(Id(fifth)))["assigned_agent_name"]);
        Assert.Equal("busy", (string?)(await admin.GetAgentAsync(solo))["status"]);
    }
}

/// <summary>When one slot frees up, the waiting tasks go in priority order (by rank, not by the string), oldest first within a priority.</summary>
public sealed class QueueOrderFlowTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task Freed_capacity_goes_to_the_highest_priority_waiting_task_first_then_the_oldest()
    {
        await admin.DeactivateSeededAgentsAsync();
        var (solo, _, _) = await admin.CreateAgentAsync("Solo", "general", maxConcurrentTasks: 1);
        var running = await admin.CreateTaskAsync("running", taskType: "maintenance");
        Assert.Equal("Solo", (string?)running["assigned_agent_name"]);

        var waiting = new List<(string Label, Guid Id)>();
        foreach (var (label, priority) in new[] { ("low", "low"), ("medium", "medium"), ("emergency-old", "emergency"), ("critical", "critical"), ("high", "high"), ("emergency-new", "emergency") })
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            var task = await admin.CreateTaskAsync(label, taskType: "maintenance", priority: priority);
            Assert.Equal("pending", (string?)task["status"]);
            waiting.Add((label, Id(task)));
        }

        var order = new List<string>();
        var current = Id(running);
        for (var i = 0; i < waiting.Count; i++)
        {
            await admin.PostJsonAsync($"{Routes.Task(current)}complete/", new { }).ObjectAsync();
            var held = await admin.GetArrayAsync($"{Routes.Agent(solo)}current_tasks/");
            current = Id(Assert.Single(held)!);
            order.Add(waiting.Single(w => w.Id == current).Label);
        }

        Assert.Equal(["emergency-old", "emergency-new", "critical", "high", "medium", "low"], order);
    }
}

/// <summary>A blocked task and the agent's capacity: the agent never works on more tasks than it may, and its load says how many it has.</summary>
public sealed class BlockedCapacityFlowTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private async Task<(int Active, int Reported)> LoadAsync(Guid agentId)
    {
        var active = (int)(await admin.GetObjectAsync($"{Routes.Tasks}?assigned_agent={agentId}&status__in=assigned,in_progress"))["count"]!;
        var reported = (int)(await admin.GetAgentAsync(agentId))["current_task_count"]!;
        return (active, reported);
    }

    [Fact]
    public async Task Unblocking_a_task_never_leaves_its_agent_over_capacity_or_with_a_wrong_task_count()
    {
        await admin.DeactivateSeededAgentsAsync();
        var (solo, _, _) = await admin.CreateAgentAsync("Solo", "general", maxConcurrentTasks: 1);
        var first = await admin.CreateTaskAsync("first", taskType: "maintenance");
        Assert.Equal("Solo", (string?)first["assigned_agent_name"]);
        await admin.PostEmptyAsync($"{Routes.Task(Id(first))}block/").ObjectAsync();
        await admin.CreateTaskAsync("second", taskType: "maintenance");

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(1));
        var unblock = await admin.PostEmptyAsync($"{Routes.Task(Id(first))}unblock/");

        // Unblocking may put the task back to work, send it back to the queue, or be refused while the agent is full.
        Assert.True(unblock.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"unblock answered {(int)unblock.StatusCode}");

        var (active, reported) = await LoadAsync(solo);
        Assert.True(active <= 1, $"Solo (max 1 task) now works on {active} tasks");
        Assert.Equal(active, reported);

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(1));
        (active, reported) = await LoadAsync(solo);
        Assert.True(active <= 1, $"Solo (max 1 task) works on {active} tasks after a sweep");
        Assert.Equal(active, reported);
    }
}
