using Hangfire;
using OpsConsole.Data;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// The safety net behind the watcher (every Orchestration:DeploymentCheckIntervalSeconds): reads whatever the watcher may
/// have missed and re-creates the watcher when it was lost. Periodic, so a crashed run is not retried. While the database
/// is unavailable the read waits its turn (<see cref="DatabaseGate"/>); this job is what brings it back when no change does.
/// The read itself holds the deployment log's lease, so two nodes never read it at once.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class DeploymentCheckJob(DeploymentLogTailer tailer, DeploymentLogWatcher watcher, DatabaseGate gate, ILogger<DeploymentCheckJob> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        watcher.EnsureWatching();
        await gate.RunAsync(DeploymentLogTailer.Work, async ct =>
        {
            var result = await tailer.CheckAsync("deployment-check job", ct);
            if (result.CreatedTaskIds.Count > 0)
            {
                DeploymentsLog.CheckFoundFailures(logger, result.CreatedTaskIds.Count);
            }
        }, cancellationToken);
    }
}
