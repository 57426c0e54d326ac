using System.Linq.Expressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>/assignments/ and /execution-logs/: read-only history of who got what and what happened.</summary>
public static class HistoryEndpoints
{
    private static readonly Dictionary<string, Expression<Func<Assignment, object?>>> AssignmentOrderings = new()
    {
        ["assigned_at"] = a => a.AssignedAt,
        ["completed_at"] = a => a.CompletedAt,
        ["score"] = a => a.Score,
    };

    private static readonly Dictionary<string, Expression<Func<WorkItemLogEntry, object?>>> LogOrderings = new()
    {
        ["created_on"] = l => l.CreatedOn,
        ["log_level"] = l => l.Level,
    };

    public static RouteGroupBuilder MapHistoryApi(this RouteGroupBuilder api)
    {
        var assignments = api.MapGroup("/assignments").WithTags("Assignments").RequireAuthorization(OpsPolicies.Viewer).WithMetadata(IdKind.Assignment);
        assignments.MapGet("/", ListAssignmentsAsync);
        assignments.MapGet("/{id:guid}", async Task<Results<Ok<AssignmentDto>, NotFoundProblem>> (Guid id, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var assignment = await db.Assignments.AsNoTracking().Include(a => a.WorkItem).ThenInclude(w => w!.AssignedAgent).Include(a => a.Agent)
                .FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
            return assignment is null ? Problems.NotFound("Assignment", id) : TypedResults.Ok(AssignmentDto.From(assignment, time.GetUtcNow().UtcDateTime));
        });

        var logs = api.MapGroup("/execution-logs").WithTags("Execution logs").RequireAuthorization(OpsPolicies.Viewer).WithMetadata(IdKind.ExecutionLog);
        logs.MapGet("/", ListLogsAsync);
        logs.MapGet("/{id:guid}", async Task<Results<Ok<LogEntryDto>, NotFoundProblem>> (Guid id, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var entry = await db.LogEntries.AsNoTracking().Include(l => l.WorkItem).Include(l => l.Agent).FirstOrDefaultAsync(l => l.Id == id, cancellationToken);
            return entry is null ? Problems.NotFound("Execution log entry", id) : TypedResults.Ok(LogEntryDto.From(entry));
        });
        return api;
    }

    private static async Task<Results<Ok<Page<AssignmentDto>>, ValidationProblem>> ListAssignmentsAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<Assignment> query = db.Assignments.AsNoTracking().Include(a => a.WorkItem).ThenInclude(w => w!.AssignedAgent).Include(a => a.Agent);
        if (q.Id("task") is { } taskId) query = query.Where(a => a.WorkItemId == taskId);
        if (q.Id("agent") is { } agentId) query = query.Where(a => a.AgentId == agentId);
        if (q.Bool("is_active") is { } active) query = query.Where(a => a.IsActive == active);
        if (q.Time("assigned_at__gte") is { } from) query = query.Where(a => a.AssignedAt >= from);
        if (q.Time("assigned_at__lte") is { } to) query = query.Where(a => a.AssignedAt <= to);
        query = q.Order(query, AssignmentOrderings, "-assigned_at");
        var now = time.GetUtcNow().UtcDateTime;
        return q.IsValid ? TypedResults.Ok(await q.PageAsync(db, query, a => AssignmentDto.From(a, now), cancellationToken)) : q.Problem();
    }

    private static async Task<Results<Ok<Page<LogEntryDto>>, ValidationProblem>> ListLogsAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<WorkItemLogEntry> query = db.LogEntries.AsNoTracking().Include(l => l.WorkItem).Include(l => l.Agent);
        if (q.Id("task") is { } taskId) query = query.Where(l => l.WorkItemId == taskId);
        if (q.Id("agent") is { } agentId) query = query.Where(l => l.AgentId == agentId);
        if (q.Enums<LogSeverity>("log_level") is { } levels) query = query.Where(l => levels.Contains(l.Level));
        if (q.Time("created_on__gte") is { } from) query = query.Where(l => l.CreatedOn >= from);
        if (q.Time("created_on__lte") is { } to) query = query.Where(l => l.CreatedOn <= to);
        if (q.Text("search") is { } search)
        {
            var term = search.ToLower();
            query = query.Where(l => l.Message.ToLower().Contains(term) || l.StepName.ToLower().Contains(term));
        }

        query = q.Order(query, LogOrderings, "-created_on");
        return q.IsValid ? TypedResults.Ok(await q.PageAsync(db, query, LogEntryDto.From, cancellationToken)) : q.Problem();
    }
}
