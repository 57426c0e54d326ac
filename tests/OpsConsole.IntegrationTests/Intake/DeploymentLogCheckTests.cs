using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Intake;

/// <summary>
/// Reading the log on demand (POST status/check_deployment_failures/, watcher off so the test decides when): counts,
/// rotation, truncation and the JSON document format. Each test starts by writing a fresh log.
/// </summary>
public sealed class DeploymentLogCheckTests(UnwatchedLogFactory app) : IClassFixture<UnwatchedLogFactory>
{
    private const string Check = "/api/v1/orchestration/status/check_deployment_failures/";

    private async Task<JsonObject> CheckAsync()
    {
        var response = await app.CreateAdminClient().PostAsync(Check, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadObjectAsync();
    }

    private async Task<DeploymentLogCursor> CursorAsync()
    {
        await using var db = await app.DbAsync();
        return await db.DeploymentLogCursors.AsNoTracking().SingleAsync();
    }

    private async Task<int> TasksAsync(string deploymentId)
    {
        await using var db = await app.DbAsync();
        return await db.WorkItems.CountAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment(deploymentId));
    }

    /// <summary>Writes a new log (as if the file were recreated) and reads it once, so the test starts from a known cursor.</summary>
    private async Task FreshLogAsync(params string[] lines)
    {
        _ = app.Server;
        File.WriteAllText(app.DeploymentLogPath, string.Concat(lines.Select(l => l + "\n")));
        await CheckAsync();
    }

    [Fact]
    public async Task Check_counts_only_new_tasks_and_a_second_check_creates_nothing()
    {
        var (a, b) = (DeploymentLog.NewId(), DeploymentLog.NewId());
        await FreshLogAsync(DeploymentLog.Line("INFO", "Logging initialized"));

        DeploymentLog.Append(app.DeploymentLogPath,
            DeploymentLog.Line("ERROR", "Build failed", a, "build"),
            DeploymentLog.Line("ERROR", "Build failed again", a, "build"),
            DeploymentLog.Line("WARNING", "Error detected: Permission issues detected"),
            DeploymentLog.Line("ERROR", "SSH key file not found", b, 0));
        var first = await CheckAsync();
        var second = await CheckAsync();

        Assert.Equal("Checked for deployment failures", (string?)first["message"]);
        Assert.Equal(2, (int)first["tasks_created"]!);
        Assert.Equal(2, first["task_ids"]!.AsArray().Count);
        Assert.Equal(1, (int)first["deduplicated"]!);
        Assert.Equal(0, (int)second["tasks_created"]!);
        Assert.Equal(0, (int)second["lines_read"]!);
    }

    [Fact]
    public async Task A_rotated_log_is_read_to_its_end_before_the_new_file_and_nothing_twice()
    {
        var (before, inRotated, inNew) = (DeploymentLog.NewId(), DeploymentLog.NewId(), DeploymentLog.NewId());
        await FreshLogAsync(DeploymentLog.Line("ERROR", "Deployment failed", before, 1));
        var rotations = (await CursorAsync()).Rotations;

        // The writer adds a line, logrotate moves the file away, and the writer starts a new one.
        DeploymentLog.Append(app.DeploymentLogPath, DeploymentLog.Line("ERROR", "Deployment failed", inRotated, 2));
        var rotated = app.DeploymentLogPath + ".1";
        File.Move(app.DeploymentLogPath, rotated, overwrite: true);
        DeploymentLog.Append(app.DeploymentLogPath, DeploymentLog.Line("INFO", "Logging initialized - new file"), DeploymentLog.Line("ERROR", "Deployment failed", inNew, 0));
        var result = await CheckAsync();
        File.Delete(rotated);

        Assert.Equal(2, (int)result["tasks_created"]!);
        Assert.Equal(1, await TasksAsync(before));
        Assert.Equal(1, await TasksAsync(inRotated));
        Assert.Equal(1, await TasksAsync(inNew));
        var cursor = await CursorAsync();
        Assert.Equal(rotations + 1, cursor.Rotations);
        Assert.Equal(2, cursor.LineNumber);
        Assert.Equal(new FileInfo(app.DeploymentLogPath).Length, cursor.Offset);
    }

    [Fact]
    public async Task A_truncated_log_is_read_again_from_its_start()
    {
        var (old, fresh) = (DeploymentLog.NewId(), DeploymentLog.NewId());
        await FreshLogAsync(
            DeploymentLog.Line("INFO", "Logging initialized - a long preamble that makes the old file longer than the new one"),
            DeploymentLog.Line("INFO", "Loading profile 'production' and many other settings that take up space in the log"),
            DeploymentLog.Line("ERROR", "Failed to connect", old, 0));
        var truncations = (await CursorAsync()).Truncations;

        File.WriteAllText(app.DeploymentLogPath, "");
        DeploymentLog.Append(app.DeploymentLogPath, DeploymentLog.Line("ERROR", "Out of disk", fresh, 3));
        var result = await CheckAsync();

        Assert.Equal(1, (int)result["tasks_created"]!);
        Assert.Equal(1, await TasksAsync(fresh));
        Assert.Equal(1, await TasksAsync(old));
        Assert.Equal(truncations + 1, (await CursorAsync()).Truncations);
    }

    [Fact]
    public async Task A_json_document_log_is_read_and_only_entries_added_later_are_new()
    {
        var (failed, succeeded, later) = (DeploymentLog.NewId(), DeploymentLog.NewId(), DeploymentLog.NewId());
        string Document(params string[] entries) => $$"""{"deployments": [{{string.Join(",\n", entries)}}]}""";
        var first = $$"""{"timestamp": "2026-11-25T11:50:00+00:00", "deployment_id": "{{failed}}", "status": "failed", "error_message": "Database migration failed", "failed_step": "migrate", "server": "web-1", "domain": "meatscentral.com"}""";
        var second = $$"""{"timestamp": "2026-11-25T11:52:00Z", "deployment_id": "{{succeeded}}", "status": "success", "exit_code": "0", "logs": [{"level": "WARNING", "message": "Permission denied on cache (ignored)"}]}""";
        var third = $$"""{"timestamp": "2026-11-25 11:55:00", "id": "{{later}}", "success": false, "current_step": "build", "logs": [{"level": "ERROR", "message": "npm ERR! code ELIFECYCLE"}]}""";

        _ = app.Server;
        File.WriteAllText(app.DeploymentLogPath, Document(first, second));
        var initial = await CheckAsync();
        File.WriteAllText(app.DeploymentLogPath, Document(first, second, third));
        var grown = await CheckAsync();

        Assert.Equal(1, (int)initial["tasks_created"]!);
        Assert.Equal(1, (int)grown["tasks_created"]!);
        Assert.Equal(1, await TasksAsync(failed));
        Assert.Equal(0, await TasksAsync(succeeded));
        await using var db = await app.DbAsync();
        var task = await db.WorkItems.AsNoTracking().SingleAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment(failed));
        Assert.Equal(1, task.Occurrences);
        Assert.Equal(WorkItemPriority.Emergency, task.Priority);
        Assert.Contains("Server: web-1\nDomain: meatscentral.com", task.Description, StringComparison.Ordinal);
        var laterTask = await db.WorkItems.AsNoTracking().SingleAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment(later));
        Assert.Contains("npm ERR! code ELIFECYCLE", laterTask.Description, StringComparison.Ordinal);
    }
}
