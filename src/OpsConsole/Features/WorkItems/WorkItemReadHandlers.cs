using System.Linq.Expressions;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>The /tasks/ routes that read: the filtered list, one task, its execution logs and its assignments.</summary>
internal static class WorkItemReadHandlers
{
    private static readonly Dictionary<string, Expression<Func<WorkItem, object?>>> Orderings = new()
    {
        ["created_on"] = w => w.CreatedOn,
        ["modified_on"] = w => w.ModifiedOn,
        ["priority"] = w => w.Priority,
        ["due_date"] = w => w.DueDate,
        ["escalation_level"] = w => w.EscalationLevel,
        ["status"] = w => w.Status,
        ["title"] = w => w.Title,
        ["next_attempt_at"] = w => w.NextAttemptAt,
    };

    internal static async Task<IResult> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<WorkItem> query = db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).AsSplitQuery(); // pull requests in a query of their own: paging stays on the tasks alone

        if (q.Enums<WorkItemKind>("task_type") is { } kinds) query = query.Where(w => kinds.Contains(w.Kind));
        if (q.Enums<WorkItemPriority>("priority") is { } priorities) query = query.Where(w => priorities.Contains(w.Priority));
        if (q.Enums<WorkItemStatus>("status") is { } statuses) query = query.Where(w => statuses.Contains(w.Status));
        if (q.Id("assigned_agent") is { } agentId) query = query.Where(w => w.AssignedAgentId == agentId);
        if (q.Bool("auto_assign") is { } autoAssign) query = query.Where(w => w.AutoAssign == autoAssign);
        if (q.Bool("needs_attention") is { } attention) query = query.Where(w => w.NeedsAttention == attention);
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

        query = q.Order(query, Orderings, "-priority,-created_on");
        if (query is IOrderedQueryable<WorkItem> ordered)
        {
            // Ties (tasks created in the same instant) keep one order from page to page.
            query = ordered.ThenBy(w => w.Id);
        }
        if (!q.IsValid)
        {
            return q.Problem();
        }

        var now = time.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(await q.PageAsync(query, w => TaskListDto.From(w, now), cancellationToken));
    }

    internal static async Task<IResult> DetailAsync(string id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await WorkItemEndpoints.DetailWithAttemptsAsync(db, taskId, time.GetUtcNow().UtcDateTime, cancellationToken);
        if (item is null)
        {
            return Problems.NotFound("Task", taskId);
        }

        var actor = user.ToActor();
        if (actor.Kind == ActorKind.Agent && item.AssignedAgent?.Id != actor.AgentId)
        {
            return Problems.Create(403, "An agent token can read only the tasks its agent holds.");
        }

        return TypedResults.Ok(item);
    }

    internal static async Task<IResult> LogsAsync(string id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var holder = await db.WorkItems.Where(w => w.Id == taskId).Select(w => new { w.AssignedAgentId }).FirstOrDefaultAsync(cancellationToken);
        if (holder is null)
        {
            return Problems.NotFound("Task", taskId);
        }

        var actor = user.ToActor();
        if (actor.Kind == ActorKind.Agent && holder.AssignedAgentId != actor.AgentId)
        {
            return Problems.Create(403, "An agent token can read only the tasks its agent holds.");
        }

        var entries = await db.LogEntries.AsNoTracking().Include(l => l.WorkItem).Include(l => l.Agent)
            .Where(l => l.WorkItemId == taskId).OrderByDescending(l => l.CreatedOn).Take(1000).ToListAsync(cancellationToken);
        return TypedResults.Ok(entries.Select(LogEntryDto.From).ToList());
    }

    internal static async Task<IResult> AssignmentsAsync(string id, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.WorkItems.AnyAsync(w => w.Id == taskId, cancellationToken))
        {
            return Problems.NotFound("Task", taskId);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var assignments = await db.Assignments.AsNoTracking().Include(a => a.Agent)
            .Where(a => a.WorkItemId == taskId).OrderByDescending(a => a.AssignedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(assignments.Select(a => AssignmentDto.From(a, now)).ToList());
    }

    internal static async Task<IResult> AttemptsAsync(string id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var holder = await db.WorkItems.Where(w => w.Id == taskId).Select(w => new { w.AssignedAgentId }).FirstOrDefaultAsync(cancellationToken);
        if (holder is null)
        {
            return Problems.NotFound("Task", taskId);
        }

        var actor = user.ToActor();
        if (actor.Kind == ActorKind.Agent && holder.AssignedAgentId != actor.AgentId)
        {
            return Problems.Create(403, "An agent token can read only the tasks its agent holds.");
        }

        return TypedResults.Ok(await Attempts.ListAsync(db, taskId, cancellationToken));
    }
}
