using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Health;
using OpsConsole.Security;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// What people and agents do to tasks. Each call is one unit of work: it loads, applies entity methods (which check the
/// transition), writes the execution log, commits, and assigns whatever can now be assigned in the same transaction, so
/// work moves the moment capacity appears instead of at the next sweep. The database keeps it right under concurrency.
/// </summary>
public sealed partial class OrchestrationEngine(
    UnitOfWork unitOfWork,
    IDbContextFactory<OpsDbContext> dbFactory,
    TaskCreation creation,
    AssignmentDispatcher dispatcher,
    FailureHandler failures,
    IOptionsMonitor<OrchestrationOptions> options,
    EngineStatistics statistics,
    OpsMetrics metrics,
    IDueWorkScheduler scheduler,
    AccessGuard access,
    NotificationOutbox notifications,
    ILogger<OrchestrationEngine> logger)
{
    private OrchestrationOptions Settings => options.CurrentValue;

    // ---------------------------------------------------------------- tasks

    public async Task<WorkItem> CreateAsync(NewWorkItem spec, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        spec = spec.Redacted();
        return await DispatchedAsync(async (db, now) =>
        {
            var item = await creation.AddTaskAsync(db, spec, actor, now, cancellationToken);
            await creation.CommitCreatedAsync(db, [item], now, cancellationToken);
            return item;
        }, WriteLane.NewWork, cancellationToken);
    }

    public async Task<WorkItem> StartAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        return await unitOfWork.WriteAsync(async (db, now) =>
        {
            var held = await AgentHolds.LoadWithoutAgentAsync(db, taskId, cancellationToken);
            var item = held.Item;
            await AgentHolds.EnsureHolderAsync(db, item, actor, cancellationToken);
            if (item.Status == WorkItemStatus.InProgress)
            {
                return item; // a resent start changes nothing
            }

            Apply(() => item.Start(now));
            WakeAtRunCap(item, now);
            held.Attempt?.Accept(now);
            TaskLog.Add(db, item, LogSeverity.Info, "started", $"Work started by {await AgentHolds.HolderNameAsync(db, item, cancellationToken) ?? actor.Name}", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    public async Task<WorkItem> ReleaseAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        return await DispatchedAsync(async (db, now) =>
        {
            var item = await AgentHolds.LoadTaskAsync(db, taskId, cancellationToken);
            if (await AgentHolds.AlreadyReportedAsync(db, item, actor, "released", cancellationToken))
            {
                return item; // a resent release changes nothing
            }

            await AgentHolds.EnsureHolderAsync(db, item, actor, cancellationToken);
            var agent = item.AssignedAgent
                ?? throw RefusedException.Conflict($"no agent holds this task; it is {item.Status.Wire()}");
            Apply(() => item.ReturnToQueue(now));
            await AgentHolds.EndHoldAsync(db, item, agent, "released", now, cancellationToken);
            TaskLog.Add(db, item, LogSeverity.Warning, "released", $"{agent.Name} gave the task back; it goes to another agent (no retry used)", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    /// <summary>A person asks for another attempt of a failed task, now.</summary>
    public async Task<WorkItem> RetryAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        return await DispatchedAsync(async (db, now) =>
        {
            var item = await AgentHolds.LoadTaskAsync(db, taskId, cancellationToken);
            if (!item.CanRetry)
            {
                throw RefusedException.Conflict($"Task cannot be retried: only a failed task can be retried; this one is {item.Status.Wire()}");
            }

            Apply(() => item.RetryNow(now));
            metrics.Retried(db, "manual");
            TaskLog.Add(db, item, LogSeverity.Info, "retry", $"Retried by {actor.Name} (attempt {item.RetryCount + 1})", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    /// <summary>Manual escalation: raises the level and the priority; it never fails or retries the task.</summary>
    public async Task<WorkItem> EscalateAsync(Guid taskId, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        return await DispatchedAsync(async (db, now) =>
        {
            var item = await AgentHolds.LoadTaskAsync(db, taskId, cancellationToken);
            if (item.Status.IsTerminal())
            {
                throw RefusedException.Conflict($"a {item.Status.Wire()} task cannot be escalated");
            }

            var before = item.Priority;
            Apply(() => item.Escalate(now));
            statistics.Escalated();
            metrics.Escalated(db, "manual");
            var why = string.IsNullOrWhiteSpace(reason) ? "Manual escalation" : reason.Trim();
            TaskLog.Escalation(db, item, before,
                $"Escalated by {actor.Name} to level {item.EscalationLevel}, priority {before.Wire()} → {item.Priority.Wire()}: {why}", actor, now, why);
            await notifications.RaiseAsync(db, item, NotificationEvents.Escalated, $"escalated by {actor.Name}: {why}", now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    public async Task<WorkItem> CancelAsync(Guid taskId, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        return await DispatchedAsync(async (db, now) =>
        {
            var item = await AgentHolds.LoadTaskAsync(db, taskId, cancellationToken);
            var agent = item.AssignedAgent;
            Apply(() => item.Cancel(now));
            if (agent is not null)
            {
                await AgentHolds.EndHoldAsync(db, item, agent, "cancelled", now, cancellationToken);
            }

            TaskLog.Add(db, item, LogSeverity.Warning, "cancelled", $"Cancelled by {actor.Name}{(string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}")}", actor, now);
            await CancelledDependencies.FlagWaitingAsync(db, item, actor, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    public Task<WorkItem> BlockAsync(Guid taskId, string? reason, Actor actor, CancellationToken cancellationToken) =>
        SimpleTransitionAsync(taskId, actor, (item, now) => item.Block(now), "blocked", $"Blocked by {actor.Name}{Suffix(reason)}", cancellationToken);

    public Task<WorkItem> UnblockAsync(Guid taskId, Actor actor, CancellationToken cancellationToken) =>
        SimpleTransitionAsync(taskId, actor, (item, now) => item.Unblock(now), "unblocked", $"Unblocked by {actor.Name}", cancellationToken);

    public Task<WorkItem> ReviewAsync(Guid taskId, Actor actor, CancellationToken cancellationToken) =>
        SimpleTransitionAsync(taskId, actor, (item, now) => item.SubmitForReview(now), "review", $"Submitted for review by {actor.Name}", cancellationToken);

    public Task<WorkItem> ResumeAsync(Guid taskId, Actor actor, CancellationToken cancellationToken) =>
        SimpleTransitionAsync(taskId, actor, (item, now) => item.ResumeFromReview(now), "resumed", $"Back in progress ({actor.Name})", cancellationToken);

    /// <summary>
    /// Applies a change of task fields (PATCH); status changes go through the transition methods. The caller redacts the
    /// text it sets before calling (as the PATCH handler does), so the write does not.
    /// </summary>
    public async Task<WorkItem> UpdateAsync(Guid taskId, Action<WorkItem, DateTime> change, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        return await DispatchedAsync(async (db, now) =>
        {
            var item = await AgentHolds.LoadTaskAsync(db, taskId, cancellationToken);
            Apply(() => change(item, now));
            item.ModifiedBy = actor.Name;
            item.Touch(now);
            TaskLog.Add(db, item, LogSeverity.Info, "updated", $"Task edited by {actor.Name}", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    public async Task DeleteAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        await unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = await AgentHolds.LoadTaskAsync(db, taskId, cancellationToken);
            if (item.AssignedAgent is { } agent && item.Status.IsActive())
            {
                agent.ReleaseTask(now);
            }

            db.WorkItems.Remove(item);
            OrchestrationLog.TaskDeleted(logger, item.Id, item.Title, actor.Name);
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, cancellationToken);
        await dispatcher.DispatchAsync(); // the agent that held it has room again
    }

    // ---------------------------------------------------------------- internals

    /// <summary>
    /// A change, then an assignment pass (the change may have let work move; on SQLite in the same commit), then the task as
    /// it is now, assigned or not, for the caller to answer with. The task is read again only when the pass may have given
    /// it to an agent (it was left waiting); a task the change completed, started or failed for good is as the change left
    /// it, whatever the pass gave to others (its agent's counts included: they are the change's).
    /// </summary>
    private Task<WorkItem> DispatchedAsync(WriteOperation<WorkItem> change, CancellationToken cancellationToken) =>
        DispatchedAsync(change, WriteLane.Updates, cancellationToken);

    private async Task<WorkItem> DispatchedAsync(WriteOperation<WorkItem> change, WriteLane lane, CancellationToken cancellationToken)
    {
        var (item, assigned) = await dispatcher.WriteThenAssignAsync(change, lane, cancellationToken);
        return MayHaveBeenAssigned(item, assigned) ? await ReloadAsync(item, cancellationToken) : item;
    }

    private async Task<FailResult> DispatchedAsync(WriteOperation<FailResult> change, CancellationToken cancellationToken)
    {
        var (result, assigned) = await dispatcher.WriteThenAssignAsync(change, cancellationToken);
        return MayHaveBeenAssigned(result.Task, assigned) ? result with { Task = await ReloadAsync(result.Task, cancellationToken) } : result;
    }

    private static bool MayHaveBeenAssigned(WorkItem item, int assigned) => assigned > 0 && item.Status.IsWaiting();

    private async Task<WorkItem> ReloadAsync(WorkItem item, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Reloaded.For(db)(db, item.Id, cancellationToken) ?? item;
    }

    /// <summary>Compiled: every task created over the API and given to an agent at once is read again to answer with.</summary>
    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, CancellationToken, Task<WorkItem?>>> Reloaded = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id, CancellationToken _) => db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstOrDefault(w => w.Id == id)));

    private async Task<WorkItem> SimpleTransitionAsync(Guid taskId, Actor actor, Action<WorkItem, DateTime> transition, string step, string message, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        return await DispatchedAsync(async (db, now) =>
        {
            var item = await AgentHolds.LoadTaskAsync(db, taskId, cancellationToken);
            await AgentHolds.EnsureHolderAsync(db, item, actor, cancellationToken);

            Apply(() => transition(item, now));
            if (actor.Kind == ActorKind.Agent)
            {
                item.NoteReport(now);
            }

            if (item.Status == WorkItemStatus.Blocked && item.BlockedAt is { } blockedAt)
            {
                scheduler.WakeAt(blockedAt + Settings.BlockedEscalation + TimeSpan.FromSeconds(1));
            }

            TaskLog.Add(db, item, LogSeverity.Info, step, message, actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    /// <summary>A capped run is judged the moment its cap passes, not at the next recurring sweep.</summary>
    private void WakeAtRunCap(WorkItem item, DateTime now)
    {
        if (item.MaxRunMinutes is { } cap)
        {
            scheduler.WakeAt(now + TimeSpan.FromMinutes(cap) + TimeSpan.FromSeconds(1));
        }
    }

    private static string Suffix(string? reason) => string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}";

    internal static void Apply(Action transition)
    {
        try
        {
            transition();
        }
        catch (TransitionRefusedException ex)
        {
            throw RefusedException.Conflict(ex.Message);
        }
    }
}
