using System.Net;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// Two app instances on one database: everything created,
/// assigned and reported through both at once, then the data checked as a user would see it.
/// </summary>
public abstract class TwoInstanceTests : IAsyncLifetime
{
    private readonly string directory = OpsConsoleFactory.NewDataDirectory();
    private OpsConsoleFactory first = null!;
    private OpsConsoleFactory second = null!;

    /// <summary>A new instance; called twice, the two share their databases.</summary>
    protected abstract OpsConsoleFactory Instance(string directory);

    public async Task InitializeAsync()
    {
        first = Instance(directory);
        await first.CreateAdminClient().DeactivateSeededAgentsAsync(); // starts (migrates, seeds) the first instance
        second = Instance(directory);
        _ = second.CreateAdminClient();
    }

    public async Task DisposeAsync()
    {
        await first.DisposeAsync();
        await second.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still closing; the temp folder is cleaned by the system.
        }
    }

    [Fact]
    public async Task Tasks_created_and_reported_through_two_instances_at_once_never_overrun_an_agent_or_go_to_two_agents()
    {
        var admins = new[] { first.CreateAdminClient(), second.CreateAdminClient() };
        var agents = new List<(Guid Id, string Token, int Capacity)>();
        for (var i = 0; i < 6; i++)
        {
            var capacity = 1 + (i % 2);
            var (id, token, _) = await admins[i % 2].CreateAgentAsync($"pair-{i}-{Guid.NewGuid():N}"[..20], capabilities: ["documentation"], maxConcurrentTasks: capacity);
            await admins[i % 2].PostEmptyAsync($"{Routes.Agent(id)}heartbeat/");
            agents.Add((id, token, capacity));
        }

        // 60 tasks created through both instances at once; each creation assigns what fits.
        var created = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => admins[i % 2].CreateTaskAsync($"pair task {i}")));
        Assert.Equal(60, created.Select(t => Id(t)).Distinct().Count());

        // Every agent, through the instance it is not registered on as well, completes what it holds, twice over,
        // while both instances keep assigning: every completion frees a slot that the next assignment may take.
        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(agents.Select(async (agent, n) =>
            {
                var client = n % 2 == 0 ? first.CreateClientWithToken(agent.Token) : second.CreateClientWithToken(agent.Token);
                var held = await client.GetArrayAsync($"{Routes.Agent(agent.Id)}current_tasks/");
                foreach (var task in held)
                {
                    var id = Id(task!);
                    var started = await client.PostEmptyAsync($"{Routes.Task(id)}start/");
                    Assert.Equal(HttpStatusCode.OK, started.StatusCode);
                    var done = await client.PostJsonAsync($"{Routes.Task(id)}complete/", new { output_data = new { round } });
                    Assert.Equal(HttpStatusCode.OK, done.StatusCode);
                }
            }).Append(admins[0].PostEmptyAsync($"{Routes.Base}/status/process_pending_tasks/"))
              .Append(admins[1].PostEmptyAsync($"{Routes.Base}/status/process_pending_tasks/")));
        }

        await using var db = await first.DbAsync();
        var ids = agents.Select(a => a.Id).ToList();
        var active = await db.Assignments.Where(a => a.IsActive).ToListAsync();
        Assert.All(active.GroupBy(a => a.WorkItemId), g => Assert.Single(g));
        foreach (var agent in await db.Agents.Where(a => ids.Contains(a.Id)).ToListAsync())
        {
            var holds = active.Count(a => a.AgentId == agent.Id);
            Assert.True(holds <= agent.MaxConcurrentTasks, $"{agent.Name} holds {holds} tasks with room for {agent.MaxConcurrentTasks}");
            Assert.Equal(holds, agent.ActiveTaskCount);
        }

        var taskIds = created.Select(t => Id(t)).ToList();
        var tasks = await db.WorkItems.Where(w => taskIds.Contains(w.Id)).ToListAsync();
        Assert.All(tasks.Where(t => t.Status is WorkItemStatus.Assigned or WorkItemStatus.InProgress), t => Assert.Contains(active, a => a.WorkItemId == t.Id && a.AgentId == t.AssignedAgentId));
        Assert.Equal(tasks.Count(t => t.Status == WorkItemStatus.Completed), await db.LogEntries.CountAsync(l => taskIds.Contains(l.WorkItemId) && l.StepName == "completed"));
        Assert.True(tasks.Count(t => t.Status == WorkItemStatus.Completed) >= 18, "three rounds of six agents complete at least one task each");
    }

}

/// <summary>Two instances on one SQLite file (each with its own writer queue, as two processes have).</summary>
public sealed class SqliteTwoInstanceTests : TwoInstanceTests
{
    protected override OpsConsoleFactory Instance(string directory) => new SharedDataFactory(directory);

    private sealed class SharedDataFactory(string directory) : OpsConsoleFactory(directory);
}

/// <summary>Two nodes on one PostgreSQL database: writers really run in parallel there.</summary>
public sealed class PostgresTwoInstanceTests : TwoInstanceTests
{
    private readonly string appDatabase = PostgresServer.NewDatabase("opsconsole");
    private readonly string hangfireDatabase = PostgresServer.NewDatabase("hangfire");

    // The shared directory stands in for the shared key ring two nodes need (issue: one key ring for all nodes).
    protected override OpsConsoleFactory Instance(string directory) => new PostgresOpsConsoleFactory(appDatabase, hangfireDatabase, directory);
}
