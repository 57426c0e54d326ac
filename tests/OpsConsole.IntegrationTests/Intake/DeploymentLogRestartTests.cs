using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Intake;

/// <summary>The cursor survives a restart: what was read is not read again, what was written while down is read.</summary>
public sealed class DeploymentLogRestartTests : IDisposable
{
    private readonly string dataDirectory = OpsConsoleFactory.NewDataDirectory();

    [Fact]
    public async Task After_a_restart_failures_written_while_down_become_tasks_and_nothing_read_before_is_repeated()
    {
        var (first, second, whileDown) = (DeploymentLog.NewId(), DeploymentLog.NewId(), DeploymentLog.NewId());
        string logPath;
        using (var before = new RestartableFactory(dataDirectory))
        {
            logPath = before.DeploymentLogPath;
            _ = before.Server;
            DeploymentLog.Append(logPath,
                DeploymentLog.Line("ERROR", "Build failed", first, "build"),
                DeploymentLog.Line("ERROR", "Failed to connect to server: timed out", second, 0));
            await before.WaitForTaskAsync(FailureFingerprint.ForDeployment(first));
            await before.WaitForTaskAsync(FailureFingerprint.ForDeployment(second));
        }

        // While the console is down the orchestrator goes on: a repeat of one failure and a new one.
        DeploymentLog.Append(logPath,
            DeploymentLog.Line("ERROR", "Build failed again", first, "build"),
            DeploymentLog.Line("ERROR", "Database migration failed", whileDown, "migrate"));

        using var after = new RestartableFactory(dataDirectory);
        _ = after.Server;
        var fresh = await after.WaitForTaskAsync(FailureFingerprint.ForDeployment(whileDown));
        var repeated = await after.WaitForTaskAsync(FailureFingerprint.ForDeployment(first), t => t.Occurrences == 2);

        await using var db = await after.DbAsync();
        Assert.Equal(3, await db.WorkItems.CountAsync(w => w.Source == FailureChannels.DeploymentLog));
        Assert.Equal(1, (await db.WorkItems.SingleAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment(second))).Occurrences);
        Assert.Equal(2, repeated.Occurrences);
        Assert.Equal(WorkItemPriority.Emergency, fresh.Priority);
        Assert.Equal(4, await db.FailureRecords.CountAsync());
        var cursor = await db.DeploymentLogCursors.SingleAsync();
        Assert.Equal(new FileInfo(logPath).Length, cursor.Offset);
        Assert.Equal(4, cursor.LineNumber);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
