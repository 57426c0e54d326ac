using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>The /tasks/ routes that read: the filtered list, one task, its execution logs and its assignments.</summary>
internal static class WorkItemReadHandlers
{
    internal static async Task<Results<Ok<Page<TaskListDto>>, ValidationProblem>> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<WorkItem> query = db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).AsSplitQuery(); // pull requests in a query of their own: paging stays on the tasks alone

        var kinds = q.Enums<WorkItemKind>("task_type");
        var priorities = q.Enums<WorkItemPriority>("priority");
        var statuses = q.Enums<WorkItemStatus>("status");
        if (kinds is not null) query = query.Where(w => kinds.Contains(w.Kind));
        if (priorities is not null) query = query.Where(w => priorities.Contains(w.Priority));
        var agentId = q.Id("assigned_agent");
        if (agentId is not null) query = query.Where(w => w.AssignedAgentId == agentId);
        if (q.Bool("auto_assign") is { } autoAssign) query = query.Where(w => w.AutoAssign == autoAssign);
        // As a bare column (not "= @value"), so the partial index of tasks that need attention answers it.
        var attention = q.Bool("needs_attention");
        if (attention is not null) query = attention.Value ? query.Where(w => w.NeedsAttention) : query.Where(w => !w.NeedsAttention);
        if (q.Strings("environment") is { } environments) query = query.Where(w => w.Environment != null && environments.Contains(w.Environment));
        if (q.PositiveInt("escalation_level", 0, 1000) is { } level) query = query.Where(w => w.EscalationLevel == level);
        if (q.PositiveInt("escalation_level__gte", 0, 1000) is { } levelMin) query = query.Where(w => w.EscalationLevel >= levelMin);
        if (q.PositiveInt("escalation_level__lte", 0, 1000) is { } levelMax) query = query.Where(w => w.EscalationLevel <= levelMax);
        if (q.Time("created_on__gte") is { } createdFrom) query = query.Where(w => w.CreatedOn >= createdFrom);
        if (q.Time("created_on__lte") is { } createdTo) query = query.Where(w => w.CreatedOn <= createdTo);
        if (q.Time("due_date__gte") is { } dueFrom) query = query.Where(w => w.DueDate >= dueFrom);
        if (q.Time("due_date__lte") is { } dueTo) query = query.Where(w => w.DueDate <= dueTo);
        if (q.Text("search") is { } search)
        {
            var term = search.ToLower();
            // Error details are encrypted at rest (Data/EncryptedColumns), so SQL cannot look inside them.
            query = query.Where(w => w.Title.ToLower().Contains(term) || w.Description.ToLower().Contains(term));
        }

        var ordering = q.Ordering(TaskOrdering.Names, TaskOrdering.Default);
        if (!q.IsValid)
        {
            return q.Problem();
        }

        var now = time.GetUtcNow().UtcDateTime;
        var rows = TaskOrdering.Apply(statuses is null ? query : TaskStatusFilter.Rows(query, statuses), ordering);
        var counting = statuses is null ? null : TaskStatusFilter.Counted(query, statuses);
        var parts = TaskOrdering.Parts(ordering, TaskFilters.Of(statuses, kinds, priorities, agent: agentId is not null, attention: attention is not null));
        return TypedResults.Ok(await q.PageAsync(db, rows, w => TaskListDto.From(w, now), parts, counting, cancellationToken));
    }

    internal static async Task<Results<Ok<TaskDetailDto>, NotFoundProblem, ForbiddenProblem>> DetailAsync(
        Guid id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await WorkItemEndpoints.DetailWithAttemptsAsync(db, id, time.GetUtcNow().UtcDateTime, cancellationToken);
        if (item is null)
        {
            return Problems.NotFound("Task", id);
        }

        var actor = user.ToActor();
        if (actor.Kind == ActorKind.Agent && item.AssignedAgent?.Id != actor.AgentId)
        {
            return Problems.Forbidden(ForeignTask);
        }

        return TypedResults.Ok(item);
    }

    internal static Task<Results<Ok<List<LogEntryDto>>, NotFoundProblem, ForbiddenProblem>> LogsAsync(
        Guid id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken) =>
        ReadHeldAsync(id, user, dbFactory, ForeignTask, async db =>
            (await db.LogEntries.AsNoTracking().Include(l => l.WorkItem).Include(l => l.Agent)
                .Where(l => l.WorkItemId == id).OrderByDescending(l => l.CreatedOn).Take(1000).ToListAsync(cancellationToken))
            .Select(LogEntryDto.From).ToList(), cancellationToken);

    internal static async Task<Results<Ok<List<AssignmentDto>>, NotFoundProblem>> AssignmentsAsync(
        Guid id, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.WorkItems.AnyAsync(w => w.Id == id, cancellationToken))
        {
            return Problems.NotFound("Task", id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var assignments = await db.Assignments.AsNoTracking().Include(a => a.Agent)
            .Where(a => a.WorkItemId == id).OrderByDescending(a => a.AssignedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(assignments.Select(a => AssignmentDto.From(a, now)).ToList());
    }

    internal static Task<Results<Ok<List<AttemptDto>>, NotFoundProblem, ForbiddenProblem>> AttemptsAsync(
        Guid id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken) =>
        ReadHeldAsync(id, user, dbFactory, ForeignTask, db => Attempts.ListAsync(db, id, cancellationToken), cancellationToken);

    private const string ForeignTask = "An agent token can read only the tasks its agent holds.";

    /// <summary>
    /// Reads something of a task for the caller: 404 when there is no such task, 403 when an agent token asks about a task
    /// its agent does not hold (<paramref name="forbidden"/> says so), otherwise what <paramref name="read"/> returns.
    /// </summary>
    internal static async Task<Results<Ok<T>, NotFoundProblem, ForbiddenProblem>> ReadHeldAsync<T>(
        Guid taskId, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, string forbidden, Func<OpsDbContext, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var holder = await db.WorkItems.Where(w => w.Id == taskId).Select(w => new { w.AssignedAgentId }).FirstOrDefaultAsync(cancellationToken);
        if (holder is null)
        {
            return Problems.NotFound("Task", taskId);
        }

        var actor = user.ToActor();
        if (actor.Kind == ActorKind.Agent && holder.AssignedAgentId != actor.AgentId)
        {
            return Problems.Forbidden(forbidden);
        }

        return TypedResults.Ok(await read(db));
    }
}
