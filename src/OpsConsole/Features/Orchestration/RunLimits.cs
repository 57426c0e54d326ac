using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// Runs that must stop, found by the safety sweep inside its unit of work: a run whose agent has not reported for
/// <c>Orchestration:StallTimeoutSeconds</c> (taken back and given to another agent the first time, a failure the second), and a
/// run longer than its task's <c>max_run_minutes</c> (a failure). The agent is told (TaskRevoked) and its later reports are
/// refused. The task and agent rows are written under their row versions, so two nodes sweeping at once cannot both act.
/// </summary>
public sealed class RunLimits(FailureHandler failures, IOptionsMonitor<OrchestrationOptions> options)
{
    public const string StalledReason = "stalled";
    public const string TimedOutReason = "timed out";

    public async Task<int> StopRunsAsync(OpsDbContext db, DateTime now, List<string> decisions, CancellationToken cancellationToken)
    {
        var stallTimeout = options.CurrentValue.StallTimeout;
        // In-progress tasks are bounded by the agents' capacity: read them all and judge each in memory.
        var running = await db.WorkItems.Include(w => w.AssignedAgent)
            .Where(w => w.Status == WorkItemStatus.InProgress && w.AssignedAgentId != null)
            .ToListAsync(cancellationToken);
        var stopped = 0;
        foreach (var item in running)
        {
            if (options.CurrentValue.DryRun)
            {
                if (item.OverrunAt(now) is not null || item.QuietFor(now) >= stallTimeout)
                {
                    decisions.Add($"would take '{item.Title}' from {item.AssignedAgent!.Name}: the run stalled or overran its cap");
                }

                continue;
            }

            if (item.OverrunAt(now) is { } ran)
            {
                await TimeOutAsync(db, item, ran, now, decisions, cancellationToken);
                stopped++;
            }
            else if (item.QuietFor(now) is { } quiet && quiet >= stallTimeout)
            {
                await StallAsync(db, item, quiet, now, decisions, cancellationToken);
                stopped++;
            }
        }

        return stopped;
    }

    private async Task StallAsync(OpsDbContext db, WorkItem item, TimeSpan quiet, DateTime now, List<string> decisions, CancellationToken cancellationToken)
    {
        var agent = item.AssignedAgent!;
        var why = $"{agent.Name} sent no report for {FailurePolicy.Humanize(quiet)} (stall timeout {FailurePolicy.Humanize(options.CurrentValue.StallTimeout)})";
        await AgentHolds.EndHoldAsync(db, item, agent, StalledReason, now, cancellationToken, errorMessage: $"stalled: {why}");
        if (item.Stall(now))
        {
            decisions.Add($"'{item.Title}': {why}; taken back for another agent");
            TaskLog.Add(db, item, LogSeverity.Warning, StalledReason,
                $"Stalled: {why}. Taken from {agent.Name} and queued for another agent (no retry used); {agent.Name}'s later reports are refused",
                Actor.Engine, now, TaskLog.Serialize(new { stalls = item.Stalls, quiet_seconds = Math.Round(quiet.TotalSeconds) }), agentId: agent.Id);
            return;
        }

        decisions.Add($"'{item.Title}': {why}; stalled again, counted as a failure");
        TaskLog.Add(db, item, LogSeverity.Warning, StalledReason, $"Stalled again: {why}. A second stall counts as a failure",
            Actor.Engine, now, TaskLog.Serialize(new { stalls = item.Stalls, quiet_seconds = Math.Round(quiet.TotalSeconds) }), agentId: agent.Id);
        item.AnnounceRevoked(agent.Id, StalledReason);
        await failures.HandleAsync(db, item, $"stalled twice: {why}", null, Actor.Engine, now, cancellationToken, endReason: StalledReason);
    }

    private async Task TimeOutAsync(OpsDbContext db, WorkItem item, TimeSpan ran, DateTime now, List<string> decisions, CancellationToken cancellationToken)
    {
        var agent = item.AssignedAgent!;
        var message = $"timed out after {item.MaxRunMinutes} minutes";
        decisions.Add($"'{item.Title}': ran {FailurePolicy.Humanize(ran)} on {agent.Name}, {message}");
        TaskLog.Add(db, item, LogSeverity.Warning, "timed_out",
            $"Run on {agent.Name} {message} (max_run_minutes {item.MaxRunMinutes}); the run is revoked and counts as a failure", Actor.Engine, now, agentId: agent.Id);
        item.AnnounceRevoked(agent.Id, TimedOutReason);
        await failures.HandleAsync(db, item, message, null, Actor.Engine, now, cancellationToken, endReason: "timed_out");
    }
}
