using Hangfire;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Features.Health;

/// <summary>
/// Takes a health snapshot; skipped while the database is unavailable (the summary says so meanwhile); one node at a time
/// (a lease in the database).
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class HealthSnapshotJob(
    HealthService health, DatabaseGate gate, Leases leases, IOptionsMonitor<OrchestrationOptions> options, ILogger<HealthSnapshotJob> logger)
{
    public const string Lease = "health-snapshot";

    public Task RunAsync(CancellationToken cancellationToken) =>
        gate.RunAsync("The health snapshot", ct => leases.RunExclusiveAsync(Lease, SnapshotAsync, ct), cancellationToken);

    private async Task SnapshotAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var samples = await health.SnapshotAsync(settings.DryRun, cancellationToken);
        foreach (var sample in samples)
        {
            HealthLog.Sample(logger, settings.Verbose ? LogLevel.Information : LogLevel.Debug, sample.Component, sample.MetricName, sample.Status, sample.MetricValue);
        }
    }
}

/// <summary>Hangfire's own figures for the health snapshot.</summary>
public sealed class HangfireJobStatistics(JobStorage storage) : IJobStatistics
{
    public (long Failed, long Enqueued, long Scheduled, int Servers)? Read()
    {
        try
        {
            var stats = storage.GetMonitoringApi().GetStatistics();
            return (stats.Failed, stats.Enqueued, stats.Scheduled, (int)stats.Servers);
        }
        catch (Exception)
        {
            return null;
        }
    }
}
