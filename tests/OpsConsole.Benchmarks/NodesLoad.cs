using System.Diagnostics;
using Npgsql;
using OpsConsole.IntegrationTests.Concurrency;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.Benchmarks;

/// <summary>
/// nodes [tasks=600] [agents=12] [writers=16]: the same mixed load as <c>contention</c> (failures through intake, tasks
/// created, assigned, started, reported, completed, failed and retried by agents of capacity 1–2) through one node, then
/// through two nodes, each time on a fresh PostgreSQL database with Redis, printed side by side: requests answered per
/// second and tasks finished per second, and whether every rule held. PostgreSQL and Redis are throw-away servers of
/// Debian's packages on loopback (as scripts/test.sh starts them for the tests).
/// </summary>
public static class NodesLoad
{
    public static async Task<int> RunAsync(int taskCount, int agentCount, int writers)
    {
        using var postgres = PostgresCluster.Start();
        using var redis = RedisInstance.Start();
        Console.WriteLine($"nodes: {taskCount} tasks, {agentCount} agents, {writers} writers; PostgreSQL on port {postgres.Port}, Redis on port {redis.Port}; "
            + $"{Environment.ProcessorCount} cores, load average {LoadAverage()}");

        var rows = new List<(int Nodes, ContentionReport Report)>();
        foreach (var count in new[] { 1, 2 })
        {
            var report = await RunOnceAsync(count, postgres, redis, taskCount, agentCount, writers);
            if (report is null)
            {
                return 2;
            }

            rows.Add((count, report));
        }

        Console.WriteLine();
        Console.WriteLine($"| nodes | elapsed | requests answered | requests/s | tasks finished | tasks finished/s | rule violations |");
        Console.WriteLine($"|---|---|---|---|---|---|---|");
        foreach (var (nodes, r) in rows)
        {
            var finished = r.TasksCreated - r.TasksUnfinished;
            Console.WriteLine($"| {nodes} | {r.Elapsed.TotalSeconds:F1} s | {r.Requests:N0} | {r.Requests / r.Elapsed.TotalSeconds:F0} | {finished} of {r.TasksCreated} | {finished / r.Elapsed.TotalSeconds:F1} | {r.Violations} |");
        }

        var one = rows[0].Report;
        var two = rows[1].Report;
        Console.WriteLine($"two nodes / one node: {two.Requests / two.Elapsed.TotalSeconds / (one.Requests / one.Elapsed.TotalSeconds):F2}x requests/s; load average now {LoadAverage()}");
        return rows.All(r => r.Report.Violations == 0) ? 0 : 1;
    }

    private static async Task<ContentionReport?> RunOnceAsync(int nodeCount, PostgresCluster postgres, RedisInstance redis, int taskCount, int agentCount, int writers)
    {
        var database = PostgresCluster.NewDatabase(postgres.Admin, "nodes");
        var root = AppProcess.NewRoot();
        var settings = new Dictionary<string, string?>
        {
            ["OpsConsole__DatabaseProvider"] = "postgres",
            ["ConnectionStrings__OpsConsole"] = database,
            ["ConnectionStrings__Hangfire"] = database,
            ["ConnectionStrings__Redis"] = redis.Configuration,
            ["Orchestration__IntervalSeconds"] = "3600",
            ["Orchestration__HealthCheckIntervalSeconds"] = "3600",
            ["Orchestration__DeploymentCheckIntervalSeconds"] = "3600",
            ["OpsConsole__Api__WritesPerMinute"] = "1000000",
        };
        var plan = new ContentionPlan
        {
            Tasks = taskCount,
            Agents = agentCount,
            Writers = writers,
            Fingerprints = 10,
            FailuresPerFingerprint = Math.Max(10, taskCount / 20),
            Deadline = TimeSpan.FromSeconds(Math.Max(60, taskCount / 4)),
            Seed = 42,
        };

        var nodes = new BenchNodes();
        try
        {
            var starting = Stopwatch.StartNew();
            foreach (var name in new[] { "node-a", "node-b" }.Take(nodeCount))
            {
                await nodes.StartAsync(root, name, new Dictionary<string, string?>(settings) { ["OpsConsole__NodeName"] = name });
            }

            Console.WriteLine($"{nodeCount} node(s) ready after {starting.Elapsed.TotalSeconds:F1} s");
            var run = new ContentionRun(plan, nodes.Clients, () => new NpgsqlConnection(database), storeKeepsInsertOrder: false, AppProcess.BootstrapKey);
            await run.PrepareAsync(CancellationToken.None);
            var report = await run.RunAsync(CancellationToken.None);
            Console.Write(report.Summary());
            return report;
        }
        catch (Exception ex) when (nodes.Count > 0)
        {
            nodes.PrintFailure(ex);
            return null;
        }
        finally
        {
            await nodes.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            AppProcess.DeleteRoot(root);
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
