using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// Who holds a task: the lease an agent has on the tasks assigned to it, checked on every report, and ended when the
/// task completes, fails, is released, cancelled or taken away. All of it inside the caller's unit of work.
/// </summary>
public static class AgentHolds
{
    /// <summary>
    /// An agent may act only on a task it holds now. A task it never held belongs to another agent (403: the token is
    /// good for its own agent only); a task it held before was taken from it (a late report after reassignment, 409).
    /// Either way the report is refused, never applied.
    /// </summary>
    public static async Task EnsureHolderAsync(OpsDbContext db, WorkItem item, Actor actor, CancellationToken cancellationToken)
    {
        if (actor.Kind != ActorKind.Agent || item.AssignedAgentId == actor.AgentId)
        {
            return;
        }

        if (!await db.Assignments.AnyAsync(a => a.WorkItemId == item.Id && a.AgentId == actor.AgentId, cancellationToken))
        {
            throw RefusedException.Forbidden(
                $"this agent token belongs to {actor.Name}, which has never held task {item.Id}; an agent can act only on the tasks assigned to it");
        }

        throw RefusedException.Conflict(
            $"this agent no longer holds the task (it is {item.Status.Wire()}{(await HolderNameAsync(db, item, cancellationToken) is { } holder ? $", held by {holder}" : "")}); the report was not applied");
    }

    /// <summary>
    /// True when an agent resends a report that already ended its hold on the task (complete, fail or release twice):
    /// its latest assignment of the task ended for that reason and it has not been given the task again since.
    /// </summary>
    public static async Task<bool> AlreadyReportedAsync(OpsDbContext db, WorkItem item, Actor actor, string endReason, CancellationToken cancellationToken)
    {
        if (actor.Kind != ActorKind.Agent || (item.AssignedAgentId == actor.AgentId && item.Status.IsActive()))
        {
            return false;
        }

        var latest = await db.Assignments.AsNoTracking()
            .Where(a => a.WorkItemId == item.Id && a.AgentId == actor.AgentId)
            .OrderByDescending(a => a.IsActive).ThenByDescending(a => a.AssignedAt)
            .Select(a => new { a.IsActive, a.EndReason })
            .FirstOrDefaultAsync(cancellationToken);
        return latest is { IsActive: false } && latest.EndReason == endReason;
    }

    /// <summary>
    /// A task with its agent and its active assignments: what an agent's report that ends its hold (complete, fail)
    /// checks and changes.
    /// </summary>
    public static async Task<HeldTask> LoadAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken)
    {
        var item = await LoadTaskAsync(db, taskId, cancellationToken);
        return new HeldTask(item, await ActiveAssignments.For(db)(db, taskId).ToListAsync(cancellationToken));
    }

    /// <summary>
    /// The same without the task's agent, for a report that changes only the task and its attempt (start, progress):
    /// <see cref="WorkItem.AssignedAgent"/> stays unread (null unless the context already tracks that agent), and
    /// <see cref="HolderNameAsync"/> names the holder where a message needs it. Every report runs inside the write, where
    /// reading and tracking an agent it does not change held up every other writer.
    /// </summary>
    public static async Task<HeldTask> LoadWithoutAgentAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken)
    {
        var item = await TaskAlone.For(db)(db, taskId, cancellationToken) ?? throw RefusedException.NotFound("Task", taskId);
        return new HeldTask(item, await ActiveAssignments.For(db)(db, taskId).ToListAsync(cancellationToken));
    }

    /// <summary>The task with its agent, tracked, for a change inside the caller's unit of work; 404 when there is none.</summary>
    public static async Task<WorkItem> LoadTaskAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        await TaskWithAgent.For(db)(db, taskId, cancellationToken) ?? throw RefusedException.NotFound("Task", taskId);

    /// <summary>The agent that holds <paramref name="item"/>, tracked: read now when the task was loaded without it.</summary>
    public static async Task<Agent?> HolderAsync(OpsDbContext db, WorkItem item, CancellationToken cancellationToken)
    {
        if (item.AssignedAgent is null && item.AssignedAgentId is not null)
        {
            await db.Entry(item).Reference(w => w.AssignedAgent).LoadAsync(cancellationToken);
        }

        return item.AssignedAgent;
    }

    /// <summary>The name of the agent that holds <paramref name="item"/>, read when the agent was not loaded with it; null when none does.</summary>
    public static async Task<string?> HolderNameAsync(OpsDbContext db, WorkItem item, CancellationToken cancellationToken) =>
        item.AssignedAgent?.Name ?? (item.AssignedAgentId is { } agentId ? await AgentName.For(db)(db, agentId, cancellationToken) : null);

    // Two compiled queries (a seek each) rather than one that projects the assignments as a collection: every report runs
    // them inside the write, where what they cost holds up every other writer.
    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, CancellationToken, Task<WorkItem?>>> TaskWithAgent = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id, CancellationToken _) => db.WorkItems.Include(w => w.AssignedAgent).FirstOrDefault(w => w.Id == id)));

    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, CancellationToken, Task<WorkItem?>>> TaskAlone = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id, CancellationToken _) => db.WorkItems.FirstOrDefault(w => w.Id == id)));

    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, CancellationToken, Task<string?>>> AgentName = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id, CancellationToken _) => db.Agents.Where(a => a.Id == id).Select(a => a.Name).FirstOrDefault()));

    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, IAsyncEnumerable<Assignment>>> ActiveAssignments = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id) => db.Assignments.Where(a => a.WorkItemId == id && a.IsActive)));

    public static Task<Assignment?> ActiveAssignmentAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        db.Assignments.Where(a => a.WorkItemId == taskId && a.IsActive).OrderByDescending(a => a.AssignedAt).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Closes the task's active assignment and frees the agent's slot (the agent's row version makes this race-free).</summary>
    public static async Task EndHoldAsync(
        OpsDbContext db, WorkItem item, Agent agent, string reason, DateTime now, CancellationToken cancellationToken, string? errorMessage = null)
    {
        EndHold(await ActiveAssignments.For(db)(db, item.Id).ToListAsync(cancellationToken), agent, reason, now, errorMessage);
    }

    /// <summary>The same, with the task's active assignments already read (<see cref="LoadAsync"/>).</summary>
    public static void EndHold(IEnumerable<Assignment> held, Agent agent, string reason, DateTime now, string? errorMessage = null)
    {
        foreach (var assignment in held)
        {
            assignment.Close(reason, now, errorMessage);
        }

        agent.ReleaseTask(now);
    }

    /// <summary>
    /// A person gives an assigned or in-progress task to <paramref name="next"/>: the holder's assignment ends as "reassigned",
    /// its slot is freed, it is told over the hub (TaskRevoked) and its later reports on the task are refused (409).
    /// </summary>
    public static async Task TakeFromHolderAsync(OpsDbContext db, WorkItem item, Agent next, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var holder = item.AssignedAgent!;
        await EndHoldAsync(db, item, holder, "reassigned", now, cancellationToken);
        OrchestrationEngine.Apply(() => item.TakeFromAgent("reassigned", now));
        TaskLog.Add(db, item, LogSeverity.Warning, "reassignment",
            $"Taken from {holder.Name} by {actor.Name} to give it to {next.Name}; {holder.Name}'s later reports on it are refused", actor, now, agentId: holder.Id);
    }

    /// <summary>An agent that is out of service gives back everything it holds: to the queue, or (blocked) to nobody until unblocked.</summary>
    public static async Task<int> RequeueHeldTasksAsync(OpsDbContext db, Agent agent, string why, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var heldTasks = await db.WorkItems
            .Where(w => w.AssignedAgentId == agent.Id && (w.Status == WorkItemStatus.Assigned || w.Status == WorkItemStatus.InProgress
                || w.Status == WorkItemStatus.Review || w.Status == WorkItemStatus.Blocked))
            .ToListAsync(cancellationToken);
        foreach (var item in heldTasks)
        {
            await EndHoldAsync(db, item, agent, AttemptOutcome.LostReason, now, cancellationToken);
            if (item.Status == WorkItemStatus.Blocked)
            {
                // Still blocked on something outside; when it is unblocked it goes to whichever agent is free then.
                item.DetachAgent(now);
                TaskLog.Add(db, item, LogSeverity.Warning, "reassignment", $"{why}: the blocked task no longer has an agent; it is queued again once unblocked", actor, now, agentId: agent.Id);
                continue;
            }

            item.ReturnToQueue(now);
            TaskLog.Add(db, item, LogSeverity.Warning, "reassignment", $"{why}: task returned to the queue for another agent (no retry used)", actor, now, agentId: agent.Id);
        }

        agent.ReconcileLoad(0, now);
        return heldTasks.Count;
    }
}

/// <summary>A task and its active assignments (normally one: the attempt of the agent that holds it).</summary>
public sealed record HeldTask(WorkItem Item, IReadOnlyList<Assignment> Held)
{
    /// <summary>The latest active assignment: the attempt a report belongs to.</summary>
    public Assignment? Attempt => Held.MaxBy(a => a.AssignedAt);
}
