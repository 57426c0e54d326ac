using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Hosting;

/// <summary>
/// Runs before the web server listens: migrates the database, seeds it (data, then accounts) and says how the engine is set up. On shutdown it prints the engine's statistics (reference §4.2).
/// </summary>
public sealed class StartupInitializer(
    IDbContextFactory<OpsDbContext> dbFactory,
    Seeder seeder,
    AccountSeeder accounts,
    OpsConsoleOptions settings,
    DataSettings data,
    IOptionsMonitor<OrchestrationOptions> orchestration,
    EngineStatistics statistics,
    TimeProvider time,
    ILogger<StartupInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await db.Database.MigrateAsync(cancellationToken);
            if (data.UsesPostgres && await KeyRingImport.FromFolderAsync(db, data.KeysDirectory, cancellationToken) is > 0 and var imported)
            {
                HostingLog.KeysImported(logger, imported, data.KeysDirectory);
            }
        }

        var o = orchestration.CurrentValue;
        await seeder.SeedAsync(new SeededRuleSettings(o.RetryBaseSeconds, o.RetryMaxSeconds, o.BlockedEscalationMinutes), cancellationToken);
        if (await accounts.SeedAsync(settings.ForAccounts(), cancellationToken) is { } problem)
        {
            throw new OpsConsoleSettingsException($"{OpsConsoleOptions.Section}:Admin: {problem}");
        }

        if (o.DryRun)
        {
            HostingLog.DryRun(logger);
        }

        HostingLog.EngineStarting(
            logger, o.IntervalSeconds, o.DeploymentCheckIntervalSeconds, o.HealthCheckIntervalSeconds, o.HeartbeatTimeoutSeconds, o.StallTimeoutSeconds,
            o.RetryBaseSeconds, o.RetryMaxSeconds, o.Verbose, o.DryRun);
        HostingLog.DataLocation(logger, data.FullDataDirectory, settings.DatabaseProvider);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Console.WriteLine(statistics.Report(time.GetUtcNow()));
        return Task.CompletedTask;
    }
}
