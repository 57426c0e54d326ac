using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Intake;

/// <summary>The app with a GitHub webhook secret (and, by default, the deployment-log watcher on).</summary>
public class IntakeFactory : OpsConsoleFactory
{
    public const string WebhookSecret = "test-webhook-secret-0123456789";

    public IntakeFactory()
    {
    }

    protected IntakeFactory(string dataDirectory)
        : base(dataDirectory)
    {
    }

    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("GitHub:WebhookSecret", WebhookSecret)];
}

/// <summary>The watcher off: only POST status/check_deployment_failures/ reads the log, so a test decides when.</summary>
public sealed class UnwatchedLogFactory : IntakeFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("Deployments:Watch", "false")];
}

/// <summary>An app on a data directory the test owns, for stopping and starting again.</summary>
public sealed class RestartableFactory(string dataDirectory) : IntakeFactory(dataDirectory);

internal static class DeploymentLog
{
    /// <summary>A JSON Lines record as the orchestrator writes it.</summary>
    public static string Line(string level, string message, string? deploymentId = null, object? step = null, DateTimeOffset? at = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["timestamp"] = (at ?? OpsConsoleFactory.Start.AddMinutes(-1)).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["level"] = level,
            ["message"] = message,
            ["deployment_id"] = deploymentId,
            ["step"] = step,
        });

    /// <summary>Appends as a writer process would, sharing the file with the reader.</summary>
    public static void Append(string path, params string[] lines)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
        stream.Write(bytes);
    }

    public static string NewId() => $"deploy-{Guid.NewGuid():N}"[..20];
}

internal static class FingerprintedTasks
{
    /// <summary>Waits until the task with <paramref name="fingerprint"/> exists (and meets <paramref name="condition"/>), and returns it.</summary>
    public static Task<WorkItem> WaitForTaskAsync(this OpsConsoleFactory app, string fingerprint, Func<WorkItem, bool>? condition = null) =>
        Eventually.FindAsync(async () =>
        {
            await using var db = await app.DbAsync();
            var item = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Fingerprint == fingerprint);
            return item is not null && (condition is null || condition(item)) ? item : null;
        }, $"a task with fingerprint {fingerprint}");
}
