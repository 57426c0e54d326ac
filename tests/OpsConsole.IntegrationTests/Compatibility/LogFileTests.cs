using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Compatibility;

/// <summary>The runbooks' <c>tail -f logs/orchestration.log</c>: the file exists under that name from the first start and grows with the engine's lines.</summary>
public sealed class LogFileTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task Logs_orchestration_log_exists_after_a_first_start_and_grows_with_the_engines_lines()
    {
        var admin = app.CreateAdminClient();
        var path = Path.Combine(app.DataDirectory, "logs", "orchestration.log");
        await Eventually.TrueAsync(() => File.Exists(path), "logs/orchestration.log to be written");
        var before = new FileInfo(path).Length;

        await admin.PostJsonAsync($"{Routes.Base}/failures/", new { deployment_id = $"log-{Routes.Tag()}", error_message = "Deployment failed: exit 1", status = "failed" })
            .ObjectAsync(HttpStatusCode.Accepted);

        await Eventually.TrueAsync(() => new FileInfo(path).Length > before, "the engine's lines in logs/orchestration.log");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "orchestration2*.log"));
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        Assert.Contains("\"@t\"", await reader.ReadToEndAsync());
    }
}
