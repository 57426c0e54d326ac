using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Agents;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>
/// /tasks/: the original's task routes, with checked transitions and real validation. The handlers live by what they do:
/// <see cref="WorkItemReadHandlers"/>, <see cref="WorkItemEditHandlers"/> and <see cref="WorkItemActionHandlers"/>.
/// </summary>
public static class WorkItemEndpoints
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 20_000;
    public static readonly TimeSpan MaxEstimate = TimeSpan.FromDays(365);

    public static RouteGroupBuilder MapWorkItemApi(this RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/tasks").WithTags("Tasks").WithMetadata(IdKind.Task);

        tasks.MapGet("/", WorkItemReadHandlers.ListAsync).RequireAuthorization(OpsPolicies.Viewer);
        tasks.MapPost("/", WorkItemEditHandlers.CreateAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapGet("/{id:guid}", WorkItemReadHandlers.DetailAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent);
        tasks.MapPut("/{id:guid}", [CanConflict] (Guid id, HttpRequest r, OrchestrationEngine e, TimeProvider t, CancellationToken c) => WorkItemEditHandlers.UpdateAsync(id, r, e, t, true, c))
            .RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPatch("/{id:guid}", [CanConflict] (Guid id, HttpRequest r, OrchestrationEngine e, TimeProvider t, CancellationToken c) => WorkItemEditHandlers.UpdateAsync(id, r, e, t, false, c))
            .RequireAuthorization(OpsPolicies.Operator);
        tasks.MapDelete("/{id:guid}", WorkItemEditHandlers.DeleteAsync).RequireAuthorization(OpsPolicies.Operator);

        tasks.MapPost("/{id:guid}/assign", WorkItemActionHandlers.AssignAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id:guid}/retry", WorkItemActionHandlers.RetryAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id:guid}/escalate", WorkItemActionHandlers.EscalateAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id:guid}/cancel", WorkItemActionHandlers.CancelAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id:guid}/block", WorkItemActionHandlers.BlockAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id:guid}/unblock", WorkItemActionHandlers.UnblockAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id:guid}/complete", WorkItemActionHandlers.CompleteAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id:guid}/fail", WorkItemActionHandlers.FailAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id:guid}/start", WorkItemActionHandlers.StartAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id:guid}/progress", WorkItemActionHandlers.ProgressAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id:guid}/release", WorkItemActionHandlers.ReleaseAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapGet("/{id:guid}/execution_logs", WorkItemReadHandlers.LogsAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent);
        tasks.MapPost("/{id:guid}/messages", TaskMessages.PostRouteAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapGet("/{id:guid}/messages", TaskMessages.ListRouteAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent);
        tasks.MapGet("/{id:guid}/attempts", WorkItemReadHandlers.AttemptsAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent);
        tasks.MapGet("/{id:guid}/assignments", WorkItemReadHandlers.AssignmentsAsync).RequireAuthorization(OpsPolicies.Viewer);
        return api;
    }

    /// <summary>
    /// A task with its agent and both sides of its dependencies, as the detail route, the hub and the fan-out show it. Most
    /// tasks have no dependencies: one query reads the task, its agent and whether it has any, and only a task that has
    /// some reads them (three queries, one per side, rather than one join that repeats the task for every pair).
    /// </summary>
    internal static async Task<WorkItem?> LoadDetailAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken)
    {
        var found = await db.WorkItems.AsNoTracking()
            .Include(w => w.AssignedAgent)
            .Where(w => w.Id == taskId)
            .Select(w => new { Item = w, Linked = w.DependsOn.Any() || w.DependentTasks.Any() })
            .FirstOrDefaultAsync(cancellationToken);
        return found is { Linked: true } ? await LoadLinkedAsync(db, taskId, cancellationToken) : found?.Item;
    }

    /// <summary>
    /// The task's detail with its previous attempts: what the detail route, the hub and an agent receive. The same first
    /// query also asks whether the task ran before, so a task on its first run (most of those an agent is handed and
    /// reports on) reads no attempts.
    /// </summary>
    internal static async Task<TaskDetailDto?> DetailWithAttemptsAsync(OpsDbContext db, Guid taskId, DateTime now, CancellationToken cancellationToken)
    {
        var found = await DetailHead.For(db)(db, taskId, cancellationToken);
        if (found is null || (found.Linked ? await LoadLinkedAsync(db, taskId, cancellationToken) : found.Item) is not { } item)
        {
            return null;
        }

        return TaskDetailDto.From(item, now) with
        {
            PreviousAttempts = found.RanBefore ? await Attempts.PreviousAsync(db, taskId, cancellationToken) : [],
        };
    }

    /// <summary>
    /// The detail of a task as the write that returned it left it, committed: what an agent's start and complete answer.
    /// Only whether it has dependencies or earlier runs is read again (and its agent, when the write did not need it: a
    /// start), and those only when it has them, rather than the task and its agent all over again after every report.
    /// Null when it is gone.
    /// </summary>
    internal static async Task<TaskDetailDto?> DetailAfterWriteAsync(OpsDbContext db, WorkItem written, DateTime now, CancellationToken cancellationToken)
    {
        var agentUnread = written.AssignedAgent is null && written.AssignedAgentId is not null;
        var shape = agentUnread
            ? await DetailShapeWithAgent.For(db)(db, written.Id, cancellationToken)
            : written.AssignedAgent?.Id == written.AssignedAgentId ? await DetailShape.For(db)(db, written.Id, cancellationToken) : null;
        if (shape is not { Linked: false } || (agentUnread && shape.Agent?.Id != written.AssignedAgentId))
        {
            // Dependencies to list, or the agent changed since the write: the task as it is now, all of it.
            return await DetailWithAttemptsAsync(db, written.Id, now, cancellationToken);
        }

        var detail = TaskDetailDto.From(written, now);
        return detail with
        {
            AssignedAgent = shape.Agent is { } agent ? AgentDto.From(agent, now) : detail.AssignedAgent,
            AssignedAgentName = shape.Agent?.Name ?? detail.AssignedAgentName,
            PreviousAttempts = shape.RanBefore ? await Attempts.PreviousAsync(db, written.Id, cancellationToken) : [],
        };
    }

    /// <summary>
    /// A progress report's log entry as its answer: with the task's title and the agent's name, read after the commit (the
    /// write stores the entry without reading either), so a first report and a resend of it answer alike.
    /// </summary>
    internal static async Task<LogEntryDto> EntryAfterWriteAsync(OpsDbContext db, WorkItemLogEntry written, CancellationToken cancellationToken)
    {
        var entry = LogEntryDto.From(written);
        return await EntryNames.For(db)(db, written.Id, cancellationToken) is { } names
            ? entry with { TaskTitle = names.TaskTitle, AgentName = names.AgentName }
            : entry;
    }

    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, CancellationToken, Task<EntryNamesRead?>>> EntryNames = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id, CancellationToken _) => db.LogEntries
            .Where(l => l.Id == id)
            .Select(l => new EntryNamesRead(l.WorkItem!.Title, l.Agent == null ? null : l.Agent.Name))
            .FirstOrDefault()));

    private sealed record EntryNamesRead(string TaskTitle, string? AgentName);

    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, CancellationToken, Task<TaskShape?>>> DetailShape = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id, CancellationToken _) => db.WorkItems
            .Where(w => w.Id == id)
            .Select(w => new TaskShape(w.DependsOn.Any() || w.DependentTasks.Any(), db.Assignments.Any(a => a.WorkItemId == w.Id && !a.IsActive), null))
            .FirstOrDefault()));

    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, CancellationToken, Task<TaskShape?>>> DetailShapeWithAgent = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id, CancellationToken _) => db.WorkItems.AsNoTracking()
            .Where(w => w.Id == id)
            .Select(w => new TaskShape(w.DependsOn.Any() || w.DependentTasks.Any(), db.Assignments.Any(a => a.WorkItemId == w.Id && !a.IsActive), w.AssignedAgent))
            .FirstOrDefault()));

    private sealed record TaskShape(bool Linked, bool RanBefore, Agent? Agent);

    /// <summary>The task with its agent, whether it has dependencies and whether it ran before: compiled, as agents ask for it after every report.</summary>
    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, CancellationToken, Task<TaskHead?>>> DetailHead = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid id, CancellationToken _) => db.WorkItems.AsNoTracking()
            .Include(w => w.AssignedAgent)
            .Where(w => w.Id == id)
            .Select(w => new TaskHead(w, w.DependsOn.Any() || w.DependentTasks.Any(), db.Assignments.Any(a => a.WorkItemId == w.Id && !a.IsActive)))
            .FirstOrDefault()));

    private sealed record TaskHead(WorkItem Item, bool Linked, bool RanBefore);

    /// <summary>A task that has dependencies, with both sides: three queries, one per side, rather than one join that repeats the task for every pair.</summary>
    private static Task<WorkItem?> LoadLinkedAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        db.WorkItems.AsNoTracking().AsSplitQuery()
            .Include(w => w.AssignedAgent)
            .Include(w => w.DependsOn).ThenInclude(d => d.AssignedAgent)
            .Include(w => w.DependentTasks).ThenInclude(d => d.AssignedAgent)
            .FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);
}
