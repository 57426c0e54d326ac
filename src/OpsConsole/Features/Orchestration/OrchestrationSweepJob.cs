using Hangfire;
using Microsoft.Extensions.Options;
using OpsConsole.Data;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// The safety-net sweep (and the wake-up for a due retry or deadline). Periodic, so a crashed run is not retried; skipped
/// while the database is unavailable (<see cref="DatabaseGate"/>); one node at a time sweeps (a lease in the database, which
/// a node that dies mid-sweep gives up by itself after <see cref="Leases.Term"/>).
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class OrchestrationSweepJob(
    SafetySweep sweep, DatabaseGate gate, Leases leases, IOptionsMonitor<OrchestrationOptions> options, ILogger<OrchestrationSweepJob> logger)
{
    public const string Lease = "orchestration-sweep";

    public Task RunAsync(CancellationToken cancellationToken) =>
        gate.RunAsync("The orchestration sweep", ct => leases.RunExclusiveAsync(Lease, SweepAsync, ct), cancellationToken);

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var report = await sweep.SweepAsync(cancellationToken);
        var settings = options.CurrentValue;
        var level = settings.Verbose || settings.DryRun ? LogLevel.Information : LogLevel.Debug;
        foreach (var decision in report.Decisions)
        {
            OrchestrationLog.SweepDecision(logger, level, settings.DryRun ? "[dry-run] " : "", decision);
        }

        if (report.Assigned + report.Requeued + report.Escalated + report.WentOffline > 0)
        {
            OrchestrationLog.Swept(logger, report.Assigned, report.Escalated, report.WentOffline, report.Requeued);
        }
    }
}

/// <summary>Schedules a one-off sweep at the moment a retry or deadline comes due, so it fires within about a second.</summary>
public sealed class HangfireDueWorkScheduler(IBackgroundJobClient jobs, TimeProvider time, ILogger<HangfireDueWorkScheduler> logger) : IDueWorkScheduler
{
    public void WakeAt(DateTime utc)
    {
        try
        {
            var delay = utc - time.GetUtcNow().UtcDateTime;
            jobs.Schedule<OrchestrationSweepJob>(j => j.RunAsync(CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        }
        catch (Exception ex)
        {
            // The recurring sweep still catches it; a wake-up is an optimisation.
            OrchestrationLog.WakeUpNotScheduled(logger, ex, utc);
        }
    }
}
