using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Health;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// The safety net run by the recurring job: reconciles agents' loads, takes silent agents offline and moves their work,
/// takes back runs that stalled or overran their cap (<see cref="RunLimits"/>),
/// escalates overdue and long-blocked tasks, and assigns what is due. With dry-run it decides and reports but writes nothing.
/// Each run is one unit of work, so two nodes sweeping at once cannot both apply the same decision.
/// </summary>
public sealed class SafetySweep(
    UnitOfWork unitOfWork,
    AssignmentDispatcher dispatcher,
    RunLimits runLimits,
    IOptionsMonitor<OrchestrationOptions> options,
    EngineStatistics statistics,
    OpsMetrics metrics,
    NotificationOutbox notifications)
{
    private OrchestrationOptions Settings => options.CurrentValue;

    /// <summary>Assigns every waiting task that is due and fits an agent (status/process_pending_tasks).</summary>
    public Task<int> ProcessPendingAsync(CancellationToken cancellationToken) => dispatcher.DispatchAsync();

    public async Task<SweepReport> SweepAsync(CancellationToken cancellationToken)
    {
        var report = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var decisions = new List<string>();
            var agents = await db.Agents.ToListAsync(cancellationToken);
            var reconciled = await ReconcileLoadsAsync(db, agents, now, decisions, cancellationToken);
            statistics.Monitored(agents.Count(a => a.IsActive));

            var offline = 0;
            var requeued = 0;
            foreach (var agent in agents.Where(a => a.IsActive && a.IsHeartbeatStale(now, Settings.HeartbeatTimeout)))
            {
                var silentFor = now - (agent.LastHeartbeat ?? agent.CreatedOn);
                decisions.Add($"{agent.Name}: no heartbeat for {FailurePolicy.Humanize(silentFor)}, marking offline");
                agent.MarkOffline(now);
                offline++;
                requeued += await AgentHolds.RequeueHeldTasksAsync(db, agent, $"{agent.Name} went silent (no heartbeat for {FailurePolicy.Humanize(silentFor)})", Actor.Engine, now, cancellationToken);
            }

            var stopped = await runLimits.StopRunsAsync(db, now, decisions, cancellationToken);
            var escalated = await EscalateByTimeAsync(db, now, decisions, cancellationToken);

            if (Settings.DryRun)
            {
                var book = await db.RuleBookAsync(cancellationToken);
                foreach (var (item, _) in await WaitingTasks.ReadAsync(db, now, 50, Enum.GetValues<WorkItemKind>(), cancellationToken))
                {
                    var choice = EngineRules.Choose(book, item, agents);
                    decisions.Add($"would assign '{item.Title}' → {choice.Agent?.Name ?? "nobody"}: {choice.Reason}");
                }

                db.ChangeTracker.Clear();
                statistics.Swept();
                return new SweepReport(reconciled, offline, requeued, escalated, 0, decisions) { Stopped = stopped };
            }

            await db.SaveChangesAsync(cancellationToken);
            return new SweepReport(reconciled, offline, requeued, escalated, 0, decisions) { Stopped = stopped };
        }, cancellationToken);
        if (!Settings.DryRun)
        {
            report = report with { Assigned = await dispatcher.DispatchAsync() };
            statistics.Swept();
        }

        return report;
    }

    /// <summary>Each agent's stored load made equal to the tasks it really holds (a crash between two writes cannot leave it wrong for long).</summary>
    private static async Task<int> ReconcileLoadsAsync(OpsDbContext db, List<Agent> agents, DateTime now, List<string> decisions, CancellationToken cancellationToken)
    {
        var held = await db.WorkItems
            .Where(w => w.AssignedAgentId != null && (w.Status == WorkItemStatus.Assigned || w.Status == WorkItemStatus.InProgress
                || w.Status == WorkItemStatus.Blocked || w.Status == WorkItemStatus.Review))
            .GroupBy(w => w.AssignedAgentId)
            .Select(g => new { AgentId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.AgentId!.Value, g => g.Count, cancellationToken);

        var reconciled = 0;
        foreach (var agent in agents)
        {
            if (agent.ReconcileLoad(held.GetValueOrDefault(agent.Id), now))
            {
                reconciled++;
                decisions.Add($"{agent.Name}: load corrected to {agent.ActiveTaskCount}/{agent.MaxConcurrentTasks} ({agent.Status.Wire()})");
            }
        }

        return reconciled;
    }

    private async Task<int> EscalateByTimeAsync(OpsDbContext db, DateTime now, List<string> decisions, CancellationToken cancellationToken)
    {
        // Two index-friendly queries instead of one OR across columns: overdue open tasks, and blocked tasks.
        var overdue = await db.WorkItems
            .Where(w => w.DueDate != null && w.DueDate < now && w.AutoEscalate
                && w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled && w.Status != WorkItemStatus.Failed)
            .Include(w => w.AssignedAgent)
            .ToListAsync(cancellationToken);
        var blocked = await db.WorkItems
            .Where(w => w.Status == WorkItemStatus.Blocked && w.AutoEscalate && (w.DueDate == null || w.DueDate >= now))
            .Include(w => w.AssignedAgent)
            .ToListAsync(cancellationToken);
        var book = await db.RuleBookAsync(cancellationToken);
        var waiting = book.ShortestWaitingLimitMinutes() is { } minutes
            ? await WaitingTooLongAsync(db, now - TimeSpan.FromMinutes(minutes), now, cancellationToken)
            : [];
        var count = 0;
        foreach (var item in overdue.Concat(blocked).Concat(waiting).DistinctBy(w => w.Id))
        {
            var rules = book.EscalationFor(item, Settings.BlockedEscalation);
            if (EscalationPolicy.TimeEscalationDue(item, now, rules) is not { } why)
            {
                continue;
            }

            var before = item.Priority;
            item.Escalate(now);
            item.MarkTimeEscalated(now);
            statistics.Escalated();
            if (!Settings.DryRun)
            {
                metrics.Escalated(db, "time"); // a dry run decides, and writes nothing
            }

            count++;
            decisions.Add($"'{item.Title}': {why}, escalated to level {item.EscalationLevel} ({item.Priority.Wire()})");
            TaskLog.Escalation(db, item, before, $"Escalated by time: {why}; level {item.EscalationLevel}, priority {before.Wire()} → {item.Priority.Wire()}", Actor.Engine, now, why);
            EngineRules.Applied(db, item, rules.Deciding(item, now), why, now);
            await notifications.RaiseAsync(db, item, NotificationEvents.Escalated, $"escalated by time: {why}", now, cancellationToken);
        }

        return count;
    }

    /// <summary>Work waiting since before <paramref name="createdBefore"/>: pending or escalated (and not backing off), or assigned but not started.</summary>
    private static Task<List<WorkItem>> WaitingTooLongAsync(OpsDbContext db, DateTime createdBefore, DateTime now, CancellationToken cancellationToken) =>
        db.WorkItems
            .Where(w => w.AutoEscalate && w.CreatedOn <= createdBefore
                && (w.Status == WorkItemStatus.Pending || w.Status == WorkItemStatus.Escalated || w.Status == WorkItemStatus.Assigned)
                && (w.NextAttemptAt == null || w.NextAttemptAt <= now))
            .Include(w => w.AssignedAgent)
            .ToListAsync(cancellationToken);
}
