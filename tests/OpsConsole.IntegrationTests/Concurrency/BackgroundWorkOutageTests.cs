using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Domain;
using OpsConsole.Features.Deployments;
using OpsConsole.Features.Health;
using OpsConsole.Features.Orchestration;
using OpsConsole.IntegrationTests.GitHub;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Intake;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// Background work waits its turn while another process holds the database: the log says once that it paused and once
/// that it resumed (not once a run), and what it was doing is done exactly once afterwards.
/// </summary>
internal static class Outage
{
    /// <summary>The write budget of these apps: a refused write is known within a second.</summary>
    public static readonly KeyValuePair<string, string> OneSecondBudget = new("OpsConsole:Database:CommandTimeoutSeconds", "1");

    public static string Paused(string work) => $"{work} paused: database unavailable since";

    public static string Resumed(string work) => $"{work} resumed: the database is available again";

    /// <summary>A job as Hangfire runs it: a fresh instance from the app's services.</summary>
    public static T Job<T>(OpsConsoleFactory app)
        where T : class => ActivatorUtilities.CreateInstance<T>(app.Services);

    public static Task WaitForLogAsync(OpsConsoleFactory app, string text) =>
        Eventually.TrueAsync(() => AppLog.Count(app.DataDirectory, text) > 0, $"\"{text}\" in logs/orchestration.log");
}

public sealed class DeploymentLogOutageTests(DeploymentLogOutageTests.Factory app) : IClassFixture<DeploymentLogOutageTests.Factory>
{
    private const string Work = "Reading the deployment log";

    [Fact]
    public async Task A_failure_logged_while_the_database_is_held_becomes_exactly_one_task_after_it_and_the_pause_is_logged_once()
    {
        _ = app.Server;
        var check = Outage.Job<DeploymentCheckJob>(app);
        var id = DeploymentLog.NewId();

        await using (await DatabaseLock.TakeAsync(app.DataDirectory))
        {
            DeploymentLog.Append(app.DeploymentLogPath, DeploymentLog.Line("ERROR", "Deployment failed: exit code 1", id, "deploy"));
            await Outage.WaitForLogAsync(app, Outage.Paused(Work));

            // The safety net keeps running during the outage: it waits its turn, and says nothing more.
            await check.RunAsync(CancellationToken.None);
            await check.RunAsync(CancellationToken.None);
            await using var db = await app.DbAsync();
            Assert.Equal(0, await db.WorkItems.CountAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment(id)));
        }

        await check.RunAsync(CancellationToken.None);

        await app.WaitForTaskAsync(FailureFingerprint.ForDeployment(id));
        await Outage.WaitForLogAsync(app, Outage.Resumed(Work));
        await using (var db = await app.DbAsync())
        {
            Assert.Equal(1, await db.WorkItems.CountAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment(id)));
            Assert.Equal(new FileInfo(app.DeploymentLogPath).Length, (await db.DeploymentLogCursors.SingleAsync()).Offset);
        }

        Assert.Equal(1, AppLog.Count(app.DataDirectory, Outage.Paused(Work)));
        Assert.Equal(1, AppLog.Count(app.DataDirectory, Outage.Resumed(Work)));
    }

    public sealed class Factory : IntakeFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, Outage.OneSecondBudget];
    }
}

public sealed class SweepOutageTests(SweepOutageTests.Factory app) : IClassFixture<SweepOutageTests.Factory>
{
    [Fact]
    public async Task Sweeps_and_health_snapshots_skip_while_the_database_is_held_log_it_once_and_resume_by_themselves()
    {
        var admin = app.CreateAdminClient();
        var sweep = Outage.Job<OrchestrationSweepJob>(app);
        var snapshot = Outage.Job<HealthSnapshotJob>(app);
        int samplesBefore;
        await using (var db = await app.DbAsync())
        {
            samplesBefore = await db.HealthSamples.CountAsync();
        }

        await using (await DatabaseLock.TakeAsync(app.DataDirectory))
        {
            // An operator's write meets the lock first: from then on the console knows the database is unavailable.
            var refused = await admin.PostJsonAsync(Routes.Tasks, new { title = "during the lock", task_type = "documentation", auto_assign = false });
            Assert.True(refused.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, await refused.Content.ReadAsStringAsync());
            for (var run = 0; run < 3; run++)
            {
                await sweep.RunAsync(CancellationToken.None);
                await snapshot.RunAsync(CancellationToken.None);
            }

            await Outage.WaitForLogAsync(app, Outage.Paused("The health snapshot"));
            await Outage.WaitForLogAsync(app, Outage.Paused("The orchestration sweep"));
        }

        await sweep.RunAsync(CancellationToken.None);
        await snapshot.RunAsync(CancellationToken.None);

        await Outage.WaitForLogAsync(app, Outage.Resumed("The health snapshot"));
        await Outage.WaitForLogAsync(app, Outage.Resumed("The orchestration sweep"));
        foreach (var work in new[] { "The health snapshot", "The orchestration sweep" })
        {
            Assert.Equal(1, AppLog.Count(app.DataDirectory, Outage.Paused(work)));
            Assert.Equal(1, AppLog.Count(app.DataDirectory, Outage.Resumed(work)));
        }

        await using var after = await app.DbAsync();
        Assert.True(await after.HealthSamples.CountAsync() > samplesBefore, "the snapshot after the outage was stored");
    }

    public sealed class Factory : OpsConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [Outage.OneSecondBudget];
    }
}

public sealed class GitHubOutboxOutageTests(GitHubOutboxOutageTests.Factory app) : IClassFixture<GitHubOutboxOutageTests.Factory>
{
    private const string Work = "GitHub delivery";

    [Fact]
    public async Task An_issue_created_just_before_the_database_is_held_is_linked_after_it_and_never_sent_twice()
    {
        var delivery = Outage.Job<GitHubOutboxJob>(app);
        DatabaseLock? held = null;
        // The database goes away between GitHub creating the issue and the console recording it (whichever delivery pass
        // gets there first: the one the failure queues, or this test's).
        app.GitHub.OnCreated = () => held = DatabaseLock.TakeAsync(app.DataDirectory).GetAwaiter().GetResult();
        var task = await app.ProductionFailureAsync();

        await delivery.RunAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => held is not null, "the issue to be created");
        await using (held)
        {
            app.GitHub.OnCreated = null;
            await Outage.WaitForLogAsync(app, Outage.Paused(Work));
            await delivery.RunAsync(CancellationToken.None);
            await delivery.RunAsync(CancellationToken.None);
            Assert.Equal(1, app.GitHub.IssuesFor(task));
        }

        app.Time.Advance(TimeSpan.FromMinutes(15));
        await delivery.RunAsync(CancellationToken.None);

        Assert.Equal(1, app.GitHub.IssuesFor(task));
        Assert.Equal(app.GitHub.Issues.Single(i => i.Body.Contains(task.ToString(), StringComparison.Ordinal)).Number, await app.IssueNumberAsync(task));
        await Outage.WaitForLogAsync(app, Outage.Resumed(Work));
        Assert.Equal(1, AppLog.Count(app.DataDirectory, Outage.Paused(Work)));
        Assert.Equal(1, AppLog.Count(app.DataDirectory, Outage.Resumed(Work)));
    }

    public sealed class Factory : GitHubOpsConsole
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, Outage.OneSecondBudget];
    }
}
