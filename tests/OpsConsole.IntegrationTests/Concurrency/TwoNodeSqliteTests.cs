using Microsoft.Data.Sqlite;
using OpsConsole.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// Two real console processes on one data directory (one SQLite file, one Hangfire file), driven only through the API:
/// agents with capacities of 1 and 2 work tasks through whichever node they pick, admins assign, retry and cancel the same
/// tasks through both nodes at the same moment, identical failures arrive through both. The database, read directly, must
/// then hold the rules no lock in one process can hold: one active assignment per task, no agent over its capacity, every
/// acknowledged report stored exactly once, one task per failure fingerprint, no report applied from an agent that no
/// longer holds the task.
/// </summary>
public sealed class TwoNodeSqliteTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly ContentionPlan Plan = new()
    {
        Tasks = 50,
        Agents = 8,
        Writers = 6,
        Fingerprints = 3,
        FailuresPerFingerprint = 8,
        Deadline = TimeSpan.FromSeconds(25),
    };

    /// <summary>
    /// The safety-net sweep corrects agents' loads from the tasks they hold; run hourly here so that a lost update shows
    /// instead of being repaired behind the test's back (the rules hold at every moment, not only after a sweep).
    /// </summary>
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Orchestration__IntervalSeconds"] = "3600",
        ["Orchestration__HealthCheckIntervalSeconds"] = "3600",
        ["Orchestration__DeploymentCheckIntervalSeconds"] = "3600",
        ["OpsConsole__Api__WritesPerMinute"] = "1000000", // every client shares the bootstrap key, on purpose
    };

    /// <summary>Only against a hang: starting is bounded by AppProcess.StartTimeout, the load by its deadline, the check by its own.</summary>
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(4);

    private readonly string root = AppProcess.NewRoot();
    private readonly List<AppProcess> nodes = [];
    private readonly List<ContentionNode> clients = [];

    private string DatabasePath => AppProcess.DatabasePathOf(root);

    [Fact]
    public async Task Two_nodes_on_one_sqlite_file_keep_every_assignment_capacity_report_and_fingerprint_right()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);
        var (a, b) = await StartTwoNodesAsync(timeout.Token);
        var run = NewRun(a, b, Plan);
        await run.PrepareAsync(timeout.Token);

        var report = await run.RunAsync(timeout.Token);

        output.WriteLine(report.Summary());
        AssertTheRulesHeld(report);
        Assert.True(report.FailuresAccepted == Plan.Fingerprints * Plan.FailuresPerFingerprint, $"every failure sent was accepted\n{report.Summary()}");
        Assert.True(report.AssignRaces > 0 && report.RetryRaces > 0 && report.LateReportProbes > 0, $"the load raced assignments, retries and late reports\n{report.Summary()}");
        Assert.True(report.CompletionsAcknowledged >= Plan.Tasks / 5, $"agents completed {Plan.Tasks / 5} tasks at least\n{report.Summary()}");
    }

    [Fact]
    public async Task Killing_one_node_mid_load_loses_nothing_acknowledged_and_the_other_node_finishes_the_work()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);
        var (a, b) = await StartTwoNodesAsync(timeout.Token);
        // Longer: one node alone finishes the work (the load ends as soon as every task is finished).
        var run = NewRun(a, b, Plan with { Deadline = TimeSpan.FromSeconds(35) }, midway: () =>
        {
            b.Kill();
            return Task.CompletedTask;
        });
        await run.PrepareAsync(timeout.Token);

        var report = await run.RunAsync(timeout.Token);

        output.WriteLine(report.Summary());
        Assert.True(report.MidwayRan && b.HasExited, $"node-b was killed during the load ({b.LastStop})\n{report.Summary()}");
        Assert.True(await a.IsReadyAsync(), $"node-a still answers /readyz after node-b was killed\n{a.Tail()}");
        Assert.True(report.AnswersAfterMidway["node-a"] > 0 && report.CompletionsAfterMidway > 0,
            $"node-a kept answering and agents kept completing through it after the kill\n{report.Summary()}");
        AssertTheRulesHeld(report);
        Assert.Equal("ok", await QuickCheckAsync());
        Assert.True(report.TasksUnfinished == 0, $"node-a finished every task before the deadline\n{report.Summary()}");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        clients.ForEach(c => c.Dispose());
        await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        SqliteConnection.ClearAllPools();
        AppProcess.DeleteRoot(root);
    }

    private void AssertTheRulesHeld(ContentionReport report)
    {
        var summary = report.Summary();
        Assert.True(report.DoubleAssignments == 0, $"{report.DoubleAssignments} tasks had two active assignments at once\n{summary}");
        Assert.True(report.CapacityOverruns == 0, $"{report.CapacityOverruns} agents held more tasks than their max_concurrent_tasks\n{summary}");
        Assert.True(report.LostUpdates == 0, $"{report.LostUpdates} acknowledged writes are missing or miscounted\n{summary}");
        Assert.True(report.DuplicateFingerprintTasks == 0, $"{report.DuplicateFingerprintTasks} extra tasks were opened for one failure fingerprint\n{summary}");
        Assert.True(report.StaleReportsApplied == 0, $"{report.StaleReportsApplied} reports were applied after the agent lost the task\n{summary}");
        Assert.True(report.ServerErrors == 0, $"{report.ServerErrors} requests ended in a server error instead of an answer\n{summary}");
    }

    /// <summary>Node A creates and migrates the data directory; node B starts on it once A is ready.</summary>
    private async Task<(AppProcess A, AppProcess B)> StartTwoNodesAsync(CancellationToken cancellationToken)
    {
        var starting = System.Diagnostics.Stopwatch.StartNew();
        var a = await AppProcess.StartAsync(root, "node-a", Settings, cancellationToken);
        nodes.Add(a);
        output.WriteLine($"node-a ready on {a.BaseAddress} after {starting.Elapsed.TotalSeconds:F1} s");
        var b = await AppProcess.StartAsync(root, "node-b", Settings, cancellationToken);
        nodes.Add(b);
        output.WriteLine($"node-b ready on {b.BaseAddress} after {starting.Elapsed.TotalSeconds:F1} s");
        return (a, b);
    }

    private ContentionRun NewRun(AppProcess a, AppProcess b, ContentionPlan plan, Func<Task>? midway = null)
    {
        clients.Add(new ContentionNode("node-a", a.BaseAddress, () => !a.HasExited));
        clients.Add(new ContentionNode("node-b", b.BaseAddress, () => !b.HasExited));
        return new ContentionRun(plan, clients, ReadOnlyStore, storeKeepsInsertOrder: true, AppProcess.BootstrapKey, output.WriteLine) { Midway = midway };
    }

    private SqliteConnection ReadOnlyStore() => new($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");

    private async Task<string> QuickCheckAsync()
    {
        await using var connection = ReadOnlyStore();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check";
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
