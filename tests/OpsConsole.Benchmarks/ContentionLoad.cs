using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using OpsConsole.IntegrationTests.Concurrency;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Two console processes on one database, everything at once: N tasks created, assigned (raced on both nodes), worked by
/// M agents of capacity 1–2 through either node, failed, retried (raced), cancelled while worked, and the same failures
/// sent through both nodes. Then the database is read directly and the rules counted: double assignments, capacity
/// overruns, lost updates, duplicate tasks per fingerprint, stale reports applied (each must be 0), plus throughput.
/// SQLite (one file in a fresh directory) by default; PostgreSQL when ConnectionStrings__OpsConsole is set (Hangfire on
/// ConnectionStrings__Hangfire, or the same database). The same load and checks as the TwoNodeSqliteTests.
/// --one-node is the control: the same load through one process only, where the rules must hold whatever holds them.
/// </summary>
public static class ContentionLoad
{
    public static async Task<int> RunAsync(int taskCount, int agentCount, int writers, int deadlineSeconds, bool oneNode)
    {
        var postgres = Environment.GetEnvironmentVariable("ConnectionStrings__OpsConsole");
        var usesPostgres = !string.IsNullOrWhiteSpace(postgres);
        // On PostgreSQL the data directory still holds the Data Protection key ring that encrypts columns at rest: it must be
        // the same for every run on that database (a new ring could not read what earlier runs wrote), so it is kept.
        var root = usesPostgres
            ? Path.Combine(Path.GetTempPath(), "opsconsole-nodes", "postgres-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(postgres!)))[..16])
            : AppProcess.NewRoot();
        var settings = new Dictionary<string, string?>
        {
            // Hourly sweeps: the sweep corrects agents' loads, and a lost update must show instead of being repaired meanwhile.
            ["Orchestration__IntervalSeconds"] = "3600",
            ["Orchestration__HealthCheckIntervalSeconds"] = "3600",
            ["Orchestration__DeploymentCheckIntervalSeconds"] = "3600",
            ["OpsConsole__Api__WritesPerMinute"] = "1000000", // load on purpose, not a runaway client
        };
        if (usesPostgres)
        {
            settings["OpsConsole__DatabaseProvider"] = "postgres";
            settings["ConnectionStrings__OpsConsole"] = postgres;
            settings["ConnectionStrings__Hangfire"] = Environment.GetEnvironmentVariable("ConnectionStrings__Hangfire") is { Length: > 0 } hangfire ? hangfire : postgres;
        }

        var plan = new ContentionPlan
        {
            Tasks = taskCount,
            Agents = agentCount,
            Writers = writers,
            Fingerprints = 10,
            FailuresPerFingerprint = Math.Max(10, taskCount / 20),
            Deadline = TimeSpan.FromSeconds(deadlineSeconds > 0 ? deadlineSeconds : Math.Max(60, taskCount / 4)),
        };
        Console.WriteLine($"contention: {taskCount} tasks, {agentCount} agents (capacity 1–2), {writers} writers, {plan.Fingerprints * plan.FailuresPerFingerprint} failures over "
            + $"{plan.Fingerprints} fingerprints, {(oneNode ? "one node" : "two nodes")} on {(usesPostgres ? $"PostgreSQL (key ring kept in {root})" : $"SQLite in {root}")}, deadline {plan.Deadline.TotalSeconds:F0} s");

        var nodes = new BenchNodes();
        try
        {
            var starting = Stopwatch.StartNew();
            foreach (var name in oneNode ? ["node-a"] : new[] { "node-a", "node-b" })
            {
                var node = await nodes.StartAsync(root, name, settings);
                Console.WriteLine($"{name} ready on {node.BaseAddress} (pid {node.ProcessId}) after {starting.Elapsed.TotalSeconds:F1} s");
            }

            Func<DbConnection> store = usesPostgres
                ? () => new NpgsqlConnection(postgres)
                : () => new SqliteConnection($"Data Source={AppProcess.DatabasePathOf(root)};Mode=ReadOnly;Pooling=False");
            var run = new ContentionRun(plan, nodes.Clients, store, storeKeepsInsertOrder: !usesPostgres, AppProcess.BootstrapKey, line => Console.WriteLine(line));
            await run.PrepareAsync(CancellationToken.None);
            var report = await run.RunAsync(CancellationToken.None);

            Console.WriteLine();
            Console.Write(report.Summary());
            Console.WriteLine($"unfinished tasks at the end: {report.TasksUnfinished} of {report.TasksCreated}");
            Console.WriteLine(report.Violations == 0 ? "OK: every rule held" : $"FAILED: {report.Violations} violations");
            return report.Violations == 0 ? 0 : 1;
        }
        catch (Exception ex) when (nodes.Count > 0)
        {
            nodes.PrintFailure(ex);
            return 2;
        }
        finally
        {
            await nodes.DisposeAsync();
            SqliteConnection.ClearAllPools();
            if (!usesPostgres)
            {
                AppProcess.DeleteRoot(root);
            }
        }
    }
}
