using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace OpsConsole.IntegrationTests.Intake;

/// <summary>The running console notices lines appended to the deployment log by itself (the watcher, not the 60 s job).</summary>
public sealed class DeploymentLogWatchingTests(IntakeFactory app, ITestOutputHelper output) : IClassFixture<IntakeFactory>
{
    /// <remarks>
    /// The periodic check runs once a day in these tests (OpsConsoleFactory), so a task that appears was made by the watcher.
    /// How long it took is logged (about a second on a quiet machine), not asserted: a busy CI machine may take longer.
    /// </remarks>
    [Fact]
    public async Task A_failure_appended_to_the_log_becomes_a_task_assigned_to_an_agent_without_anyone_asking()
    {
        _ = app.Server;
        var id = DeploymentLog.NewId();
        var appended = Stopwatch.StartNew();

        DeploymentLog.Append(app.DeploymentLogPath,
            DeploymentLog.Line("INFO", $"Starting deployment {id}", id, 0),
            DeploymentLog.Line("ERROR", "Database migration failed: could not connect to server: Connection refused", id, "migrate"));

        var task = await app.WaitForTaskAsync(FailureFingerprint.ForDeployment(id), t => t.AssignedAgentId is not null);
        output.WriteLine($"appended → assigned in {appended.ElapsedMilliseconds} ms");
        Assert.Equal($"🚨 PRODUCTION FAILURE: {id}", task.Title);
        Assert.Equal(WorkItemPriority.Emergency, task.Priority);
        Assert.Equal(WorkItemStatus.Assigned, task.Status);
        Assert.Contains(task.AssignedAgent!.Name, new[] { "DeploymentAgent-Primary", "MonitoringAgent-System", "GeneralAgent-Backup" });
        Assert.Equal(FailureChannels.DeploymentLog, task.Source);
        Assert.Equal(OpsConsoleFactory.Start.UtcDateTime.AddHours(1), task.DueDate);
    }

    [Fact]
    public async Task A_malformed_line_is_skipped_and_the_failures_after_it_still_become_tasks()
    {
        _ = app.Server;
        var id = DeploymentLog.NewId();
        long malformedBefore;
        await using (var db = await app.DbAsync())
        {
            malformedBefore = await db.DeploymentLogCursors.Select(c => c.MalformedLines).FirstOrDefaultAsync();
        }

        DeploymentLog.Append(app.DeploymentLogPath,
            """{"timestamp": "2026-11-25 11:59:00", "level": "ERROR", "message": "cut off mid-""",
            """{"timestamp": "2026-11-25 11:59:01", "level": "ERROR", "exit_code": [1]}""",
            DeploymentLog.Line("ERROR", "Failed to connect to server: timed out", id, 0));

        await app.WaitForTaskAsync(FailureFingerprint.ForDeployment(id));
        await using var after = await app.DbAsync();
        var cursor = await after.DeploymentLogCursors.SingleAsync();
        Assert.Equal(malformedBefore + 2, cursor.MalformedLines);
        Assert.Equal(new FileInfo(app.DeploymentLogPath).Length, cursor.Offset);
    }

    [Fact]
    public async Task Plain_text_lines_are_read_too()
    {
        _ = app.Server;
        var id = DeploymentLog.NewId();

        DeploymentLog.Append(app.DeploymentLogPath, $"2026-11-25 11:59:30 ERROR [{id}] env=staging step=build: npm ERR! code ERESOLVE");

        var task = await app.WaitForTaskAsync(FailureFingerprint.ForDeployment(id));
        Assert.Equal("staging", task.Environment);
        Assert.Equal($"🚨 STAGING FAILURE: {id}", task.Title);
        Assert.Contains("Failed Step: build", task.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_error_lines_of_one_deployment_are_occurrences_of_one_task()
    {
        _ = app.Server;
        var id = DeploymentLog.NewId();

        DeploymentLog.Append(app.DeploymentLogPath,
            DeploymentLog.Line("ERROR", "Health check failed: 502", id, 5),
            DeploymentLog.Line("ERROR", $"Deployment {id} failed at step 5", id, 5));

        var task = await app.WaitForTaskAsync(FailureFingerprint.ForDeployment(id), t => t.Occurrences == 2);
        await using var db = await app.DbAsync();
        Assert.Equal(1, await db.WorkItems.CountAsync(w => w.Fingerprint == task.Fingerprint));
        Assert.Contains(await db.LogEntries.Where(l => l.WorkItemId == task.Id).Select(l => l.StepName).ToListAsync(), s => s == "occurrence");
    }
}
