using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.GitHub;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Intake;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// Work that must run on one node at a time (the deployment-log reader, the GitHub outbox, the sweeps) holds a lease in
/// the database: two nodes on one SQLite file, each with its own fake clock, so a node "going silent" is its lease lapsing
/// on the other node's clock.
/// </summary>
public sealed class LeaseTests : IAsyncLifetime
{
    private const string Check = "/api/v1/orchestration/status/check_deployment_failures/";
    private readonly string directory = OpsConsoleFactory.NewDataDirectory();
    private UnwatchedNode first = null!;
    private UnwatchedNode second = null!;

    public async Task InitializeAsync()
    {
        first = new UnwatchedNode(directory);
        await first.CreateAdminClient().DeactivateSeededAgentsAsync();
        second = new UnwatchedNode(directory);
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
    public async Task One_node_reads_the_deployment_log_and_the_other_takes_over_only_when_it_goes_silent_reading_each_line_once()
    {
        var log = first.DeploymentLogPath;
        DeploymentLog.Append(log, Failure("first"), Failure("second"), Failure("third"));
        var read = await (await first.CreateAdminClient().PostEmptyAsync(Check)).ReadObjectAsync();
        Assert.Equal(3, (int)read["tasks_created"]!);

        DeploymentLog.Append(log, Failure("fourth"), Failure("fifth"));
        var refused = await (await second.CreateAdminClient().PostEmptyAsync(Check)).ReadObjectAsync();
        Assert.Equal(0, (int)refused["tasks_created"]!);
        Assert.Equal(0, (int)refused["lines_read"]!);
        Assert.Contains("another node reads the deployment log", (string?)refused["note"], StringComparison.Ordinal);

        // The first node goes silent: on the second node's clock its lease lapses after the term, and the second reads on
        // from the shared cursor (its reader also asks again by itself at that moment; whichever comes first reads).
        second.Time.Advance(Leases.Term + TimeSpan.FromSeconds(1));
        var takenOver = await (await second.CreateAdminClient().PostEmptyAsync(Check)).ReadObjectAsync();
        Assert.Null((string?)takenOver["note"]);
        Assert.Equal(5, await StepTasksAsync());

        // The first node is back (its clock never moved): the lease is the second node's now, so it reads nothing twice.
        DeploymentLog.Append(log, Failure("sixth"));
        var back = await (await first.CreateAdminClient().PostEmptyAsync(Check)).ReadObjectAsync();
        Assert.Equal(0, (int)back["tasks_created"]!);
        Assert.Contains("another node reads the deployment log", (string?)back["note"], StringComparison.Ordinal);

        // The second node reads it (this check, or its reader's own retry a moment before: either way once).
        await second.CreateAdminClient().PostEmptyAsync(Check);

        await using var db = await first.DbAsync();
        var tasks = await db.WorkItems.Where(w => w.Source == FailureChannels.DeploymentLog).ToListAsync();
        Assert.Equal(6, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(1, t.Occurrences));
    }

    private async Task<int> StepTasksAsync()
    {
        await using var db = await first.DbAsync();
        return await db.WorkItems.CountAsync(w => w.Source == FailureChannels.DeploymentLog);
    }

    [Fact]
    public async Task A_node_that_lost_its_lease_while_it_worked_commits_nothing()
    {
        var leases = first.Services.GetRequiredService<Leases>();
        Assert.True((await leases.TryHoldAsync("fenced-work", CancellationToken.None)).Held);
        second.Time.Advance(Leases.Term + TimeSpan.FromSeconds(1));
        Assert.True((await second.Services.GetRequiredService<Leases>().TryHoldAsync("fenced-work", CancellationToken.None)).Held);

        // The first node finishes what it started under the lease: its transaction checks the lease and rolls back.
        var unitOfWork = first.Services.GetRequiredService<UnitOfWork>();
        await Assert.ThrowsAsync<LeaseLostException>(() => unitOfWork.WriteAsync(async (db, now) =>
        {
            db.Rules.Add(new OrchestrationRule { Name = "written under a lost lease", Kind = RuleKind.TaskCreation, CreatedOn = now, ModifiedOn = now });
            await db.SaveChangesAsync();
            await leases.FenceAsync(db, "fenced-work", now, CancellationToken.None);
            return 0;
        }, CancellationToken.None));

        await using var check = await first.DbAsync();
        Assert.False(await check.Rules.AnyAsync(r => r.Name == "written under a lost lease"));
        Assert.DoesNotContain("fenced-work", leases.HeldHere);
    }

    [Fact]
    public async Task A_sweep_waits_for_the_other_nodes_sweep_and_a_dead_nodes_sweep_lease_lapses()
    {
        var leases = second.Services.GetRequiredService<Leases>();
        var ran = 0;

        // A node died mid-sweep: the lease is held by a holder that never gives it back. (Written as that node would have left
        // it rather than taken by the first node: a sweep of the first node's own, queued at its start, could otherwise
        // share its holder and give the lease back under the test.) It lapses a second before the survivor would give up
        // waiting for it (its wait lasts one term), so the clock moving on beside the wait cannot end the wait first.
        var lease = Features.Orchestration.OrchestrationSweepJob.Lease;
        var now = second.Time.GetUtcNow().UtcDateTime;
        await using (var db = await first.DbAsync())
        {
            await AnotherNode.HoldsAsync(db, lease, "node-c:5080#deadbeef", now, now + Leases.Term - TimeSpan.FromSeconds(1));
        }

        var waiting = leases.RunExclusiveAsync(lease, _ => { ran++; return Task.CompletedTask; }, CancellationToken.None);
        await Task.Delay(50);
        Assert.Equal(0, ran);

        // Time passes a second at a time, as the wait does, until the wait ends (a busy machine may need more advances than
        // seconds, as a wait it starts just after an advance needs the next one): once the term is over it sweeps. Both
        // nodes' clocks move, so a sweep of either node's own that began meanwhile waits and ends on its clock too.
        await Eventually.TrueAsync(() =>
        {
            first.Time.Advance(TimeSpan.FromSeconds(1));
            second.Time.Advance(TimeSpan.FromSeconds(1));
            return waiting.IsCompleted;
        }, "the survivor's sweep to stop waiting");

        Assert.True(await waiting);
        Assert.Equal(1, ran);

        // A finished sweep gives its lease back: the first node sweeps next, well before a lease it had to wait out would
        // lapse (its clock moves only while it waits, for one of its own sweeps still finishing).
        var asked = first.Time.GetUtcNow();
        var next = first.Services.GetRequiredService<Leases>().RunExclusiveAsync(lease, _ => { ran++; return Task.CompletedTask; }, CancellationToken.None);
        await Eventually.TrueAsync(() =>
        {
            if (!next.IsCompleted)
            {
                first.Time.Advance(TimeSpan.FromSeconds(1));
            }

            return next.IsCompleted;
        }, "the first node's sweep to run");
        Assert.True(await next);
        Assert.Equal(2, ran);
        Assert.True(first.Time.GetUtcNow() - asked < Leases.Term - TimeSpan.FromSeconds(5), $"the first node waited {first.Time.GetUtcNow() - asked} for a lease given back");
    }

    private static string Failure(string what) => DeploymentLog.Line("ERROR", $"Deployment failed: {what} step broke", DeploymentLog.NewId(), "migrate");

    private sealed class UnwatchedNode(string directory) : OpsConsoleFactory(directory)
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Deployments:Watch", "false")];
    }
}

/// <summary>The GitHub outbox is delivered by one node at a time: while another node's lease runs, a pass sends nothing.</summary>
public sealed class OutboxLeaseTests(GitHubApp app) : IClassFixture<GitHubApp>
{
    [Fact]
    public async Task A_pass_sends_nothing_while_another_node_delivers_and_takes_over_when_that_nodes_lease_lapses()
    {
        var now = app.Time.GetUtcNow().UtcDateTime;
        await using (var db = await app.DbAsync())
        {
            await AnotherNode.HoldsAsync(db, GitHubOutbox.Lease, "node-b:5080#0badcafe", now, now + Leases.Term);
        }

        var taskId = await app.ProductionFailureAsync();
        var skipped = await app.DeliverAsync();
        Assert.Equal(0, skipped.Delivered);
        Assert.Contains("another node delivers: held by node-b:5080 until", skipped.StoppedBecause, StringComparison.Ordinal);
        Assert.Equal(now + Leases.Term, skipped.NextDueAt);
        Assert.DoesNotContain(app.GitHub.Issues, i => i.Body.Contains($"opsconsole-task: {taskId}", StringComparison.Ordinal));

        // The lease lapses: this pass (or the delivery job the new task queued, whichever comes first; passes of one node
        // run one at a time) takes over and sends the issue, once.
        app.Time.Advance(Leases.Term + TimeSpan.FromSeconds(1));
        await app.DeliverAsync();
        Assert.Single(app.GitHub.Issues, i => i.Body.Contains($"opsconsole-task: {taskId}", StringComparison.Ordinal));
    }
}

/// <summary>A lease held by a node that is not one of the test's, as that node left its row (working still, or dead).</summary>
file static class AnotherNode
{
    public static async Task HoldsAsync(OpsDbContext db, string lease, string holder, DateTime acquiredAt, DateTime expiresAt)
    {
        await db.WorkLeases.Where(l => l.Name == lease).ExecuteDeleteAsync();
        db.WorkLeases.Add(new WorkLease { Name = lease, Holder = holder, AcquiredAt = acquiredAt, ExpiresAt = expiresAt });
        await db.SaveChangesAsync();
    }
}
