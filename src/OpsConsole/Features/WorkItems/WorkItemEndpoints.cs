using System.Linq.Expressions;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>/tasks/: the original's task routes, with checked transitions and real validation.</summary>
public static class WorkItemEndpoints
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 20_000;
    public static readonly TimeSpan MaxEstimate = TimeSpan.FromDays(365);

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

    public static RouteGroupBuilder MapWorkItemApi(this RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/tasks").WithTags("Tasks");

        tasks.MapGet("/", ListAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<Page<TaskListDto>>();
        tasks.MapPost("/", CreateAsync).RequireAuthorization(OpsPolicies.Operator).Produces<TaskDetailDto>(201);
        tasks.MapGet("/{id}", DetailAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent).Produces<TaskDetailDto>();
        tasks.MapPut("/{id}", (string id, HttpRequest r, OrchestrationEngine e, TimeProvider t, CancellationToken c) => UpdateAsync(id, r, e, t, true, c))
            .RequireAuthorization(OpsPolicies.Operator).Produces<TaskDetailDto>();
        tasks.MapPatch("/{id}", (string id, HttpRequest r, OrchestrationEngine e, TimeProvider t, CancellationToken c) => UpdateAsync(id, r, e, t, false, c))
            .RequireAuthorization(OpsPolicies.Operator).Produces<TaskDetailDto>();
        tasks.MapDelete("/{id}", DeleteAsync).RequireAuthorization(OpsPolicies.Operator).Produces(204);

        tasks.MapPost("/{id}/assign", AssignAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id}/retry", RetryAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id}/escalate", EscalateAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id}/cancel", CancelAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id}/block", BlockAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id}/unblock", UnblockAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id}/complete", CompleteAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<TaskDetailDto>();
        tasks.MapPost("/{id}/fail", FailAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<TaskDetailDto>();
        tasks.MapPost("/{id}/start", StartAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<TaskDetailDto>();
        tasks.MapPost("/{id}/progress", ProgressAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<LogEntryDto>(201);
        tasks.MapPost("/{id}/release", ReleaseAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<TaskDetailDto>();
        tasks.MapGet("/{id}/execution_logs", LogsAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent).Produces<List<LogEntryDto>>();
        tasks.MapGet("/{id}/assignments", AssignmentsAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<List<AssignmentDto>>();
        return api;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<WorkItem> query = db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent);

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
        if (!q.IsValid)
        {
            return q.Problem();
        }

        var now = time.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(await q.PageAsync(query, w => TaskListDto.From(w, now), cancellationToken));
    }

    private static async Task<IResult> DetailAsync(string id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await LoadDetailAsync(db, taskId, cancellationToken);
        if (item is null)
        {
            return Problems.NotFound("Task", taskId);
        }

        var actor = user.ToActor();
        if (actor.Kind == ActorKind.Agent && item.AssignedAgentId != actor.AgentId)
        {
            return Problems.Create(403, "An agent token can read only the tasks its agent holds.");
        }

        return TypedResults.Ok(TaskDetailDto.From(item, time.GetUtcNow().UtcDateTime));
    }

    internal static Task<WorkItem?> LoadDetailAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        db.WorkItems.AsNoTracking().AsSplitQuery()
            .Include(w => w.AssignedAgent)
            .Include(w => w.DependsOn).ThenInclude(d => d.AssignedAgent)
            .Include(w => w.DependentTasks).ThenInclude(d => d.AssignedAgent)
            .FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);

    private static async Task<IResult> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var spec = new NewWorkItem
        {
            Title = body.String("title", required: true, max: MaxTitle) ?? "",
            Description = body.String("description", max: MaxDescription, allowEmpty: true) ?? "",
            Kind = body.Enum<WorkItemKind>("task_type", required: true) ?? default,
            Priority = body.Enum<WorkItemPriority>("priority") ?? WorkItemPriority.Medium,
            DueDate = body.Time("due_date"),
            EstimatedDuration = body.Duration("estimated_duration", MaxEstimate) ?? TimeSpan.FromHours(1),
            InputData = body.Object("input_data") ?? "{}",
            AutoAssign = body.Bool("auto_assign") ?? true,
            AutoRetry = body.Bool("auto_retry") ?? true,
            AutoEscalate = body.Bool("auto_escalate") ?? true,
            MaxRetries = body.Int("max_retries", 0, 20) ?? 3,
            DependsOn = body.Guids("depends_on_ids", 100) ?? [],
            Environment = body.String("environment", max: 50),
        };
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var item = await engine.CreateAsync(spec, user.ToActor(), cancellationToken);
        return TypedResults.Created($"/api/v1/orchestration/tasks/{item.Id}/", TaskDetailDto.From(item, time.GetUtcNow().UtcDateTime));
    }

    private static async Task<IResult> UpdateAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, bool replace, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var title = body.String("title", required: replace, max: MaxTitle);
        var description = body.String("description", max: MaxDescription, allowEmpty: true);
        var kind = body.Enum<WorkItemKind>("task_type", required: replace);
        var priority = body.Enum<WorkItemPriority>("priority");
        var clearDue = body.Json.TryGetPropertyValue("due_date", out var dueNode) && dueNode is null;
        var due = body.Time("due_date");
        var estimate = body.Duration("estimated_duration", MaxEstimate);
        var input = body.Object("input_data");
        var autoAssign = body.Bool("auto_assign");
        var autoRetry = body.Bool("auto_retry");
        var autoEscalate = body.Bool("auto_escalate");
        var maxRetries = body.Int("max_retries", 0, 20);
        var environment = body.String("environment", max: 50);
        var status = body.Enum<WorkItemStatus>("status");
        foreach (var readOnly in new[] { "retry_count", "escalation_level", "assigned_agent", "started_at", "completed_at", "output_data", "error_details" })
        {
            if (body.Has(readOnly))
            {
                body.Error(readOnly, $"{readOnly} is read-only; use the task's action routes (assign, retry, escalate, complete, fail, cancel)");
            }
        }

        if (!body.IsValid)
        {
            return body.Problem();
        }

        var item = await engine.UpdateAsync(taskId, (w, now) =>
        {
            if (title is not null) w.Title = title;
            if (description is not null) w.Description = description;
            if (kind is { } k) w.Kind = k;
            if (priority is { } p) w.SetPriority(p, now);
            if (clearDue) w.DueDate = null;
            if (due is { } d) w.DueDate = d;
            if (estimate is { } e) w.EstimatedDuration = e;
            if (input is not null) w.InputData = input;
            if (autoAssign is { } aa) w.AutoAssign = aa;
            if (autoRetry is { } ar) w.AutoRetry = ar;
            if (autoEscalate is { } ae) w.AutoEscalate = ae;
            if (maxRetries is { } mr) w.MaxRetries = mr;
            if (environment is not null) w.Environment = environment;
            if (status is { } s && s != w.Status) ChangeStatus(w, s, now);
        }, ActorOf(request), cancellationToken);
        return TypedResults.Ok(TaskDetailDto.From(item, time.GetUtcNow().UtcDateTime));
    }

    /// <summary>The status changes a plain edit may make; the rest have their own routes, with their side effects.</summary>
    private static void ChangeStatus(WorkItem item, WorkItemStatus target, DateTime now)
    {
        switch (target)
        {
            case WorkItemStatus.Blocked: item.Block(now); break;
            case WorkItemStatus.Review: item.SubmitForReview(now); break;
            case WorkItemStatus.InProgress when item.Status == WorkItemStatus.Review: item.ResumeFromReview(now); break;
            case WorkItemStatus.InProgress or WorkItemStatus.Pending or WorkItemStatus.Assigned when item.Status == WorkItemStatus.Blocked: item.Unblock(now); break;
            default:
                throw new TransitionRefusedException(
                    $"status cannot change from {item.Status.Wire()} to {target.Wire()} by an edit; use POST .../assign/, start/, complete/, fail/, retry/, escalate/ or cancel/");
        }
    }

    private static async Task<IResult> DeleteAsync(string id, HttpRequest request, OrchestrationEngine engine, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        await engine.DeleteAsync(taskId, ActorOf(request), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> AssignAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        var (body, problem) = await JsonBody.ReadAsync(request, allowEmpty: true);
        if (body is null)
        {
            return problem!;
        }

        var action = body.String("action", max: 20);
        if (action is not null && action is not ("assign" or "retry" or "escalate" or "cancel" or "complete"))
        {
            body.Error("action", $"action '{action}' is not allowed; allowed: assign, retry, escalate, cancel, complete");
        }

        var agentId = body.Guid("agent_id");
        var reason = body.String("reason", max: 1000);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var result = await engine.AssignAsync(taskId, agentId, reason, ActorOf(request), cancellationToken);
        var agentName = result.Task.AssignedAgent?.Name;
        return TypedResults.Ok(new
        {
            message = agentId is null ? $"Task auto-assigned to {agentName}" : $"Task assigned to {agentName}",
            assignment_id = result.Assignment?.Id,
            reason = result.Assignment?.AssignmentReason,
            task = TaskListDto.From(result.Task, time.GetUtcNow().UtcDateTime),
        });
    }

    private static async Task<IResult> RetryAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        var item = await engine.RetryAsync(taskId, ActorOf(request), cancellationToken);
        var assigned = item.AssignedAgent is { } a ? $" and assigned to {a.Name}" : "";
        return TypedResults.Ok(new { message = $"Task retried (attempt {item.RetryCount}){assigned}", task = TaskListDto.From(item, time.GetUtcNow().UtcDateTime) });
    }

    private static async Task<IResult> EscalateAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        var (body, problem) = await JsonBody.ReadAsync(request, allowEmpty: true);
        if (body is null)
        {
            return problem!;
        }

        var reason = body.String("reason", max: 1000);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var item = await engine.EscalateAsync(taskId, reason, ActorOf(request), cancellationToken);
        return TypedResults.Ok(new
        {
            message = $"Task escalated to level {item.EscalationLevel}",
            new_priority = item.Priority.Wire(),
            task = TaskListDto.From(item, time.GetUtcNow().UtcDateTime),
        });
    }

    private static async Task<IResult> CancelAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        var (body, problem) = await JsonBody.ReadAsync(request, allowEmpty: true);
        if (body is null)
        {
            return problem!;
        }

        var reason = body.String("reason", max: 1000);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var item = await engine.CancelAsync(taskId, reason, ActorOf(request), cancellationToken);
        return TypedResults.Ok(new { message = "Task cancelled", task = TaskListDto.From(item, time.GetUtcNow().UtcDateTime) });
    }

    private static async Task<IResult> BlockAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        var (body, problem) = await JsonBody.ReadAsync(request, allowEmpty: true);
        if (body is null)
        {
            return problem!;
        }

        var reason = body.String("reason", max: 1000);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        await engine.BlockAsync(taskId, reason, ActorOf(request), cancellationToken);
        return TypedResults.Ok(await DetailDtoAsync(dbFactory, time, taskId, cancellationToken));
    }

    private static Task<IResult> UnblockAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, dbFactory, time, taskId => engine.UnblockAsync(taskId, ActorOf(request), cancellationToken), cancellationToken);

    private static Task<IResult> StartAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, dbFactory, time, taskId => engine.StartAsync(taskId, ActorOf(request), cancellationToken), cancellationToken);

    private static Task<IResult> ReleaseAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, dbFactory, time, taskId => engine.ReleaseAsync(taskId, ActorOf(request), cancellationToken), cancellationToken);

    private static async Task<IResult> CompleteAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, allowEmpty: true);
        if (body is null)
        {
            return problem!;
        }

        var output = body.Object("output_data");
        if (!body.IsValid)
        {
            return body.Problem();
        }

        return await Act(id, dbFactory, time, taskId => engine.CompleteAsync(taskId, output, ActorOf(request), cancellationToken), cancellationToken);
    }

    private static async Task<IResult> FailAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var message = body.String("error_message", required: true, max: 5000);
        var details = body.Json.TryGetPropertyValue("error_details", out var node) && node is System.Text.Json.Nodes.JsonObject
            ? body.Object("error_details")
            : body.String("error_details", max: 50_000);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        return await Act(id, dbFactory, time, async taskId => (await engine.FailAsync(taskId, message!, details, ActorOf(request), cancellationToken)).Task, cancellationToken);
    }

    private static async Task<IResult> ProgressAsync(string id, HttpRequest request, OrchestrationEngine engine, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var report = new ProgressReport(
            body.String("message", required: true, max: 5000) ?? "",
            body.String("step", max: 100),
            body.Int("percent", 0, 100),
            body.Object("data", 64 * 1024),
            body.Guid("id"));
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var entry = await engine.ProgressAsync(taskId, report, ActorOf(request), cancellationToken);
        return TypedResults.Created($"/api/v1/orchestration/execution-logs/{entry.Id}/", LogEntryDto.From(entry));
    }

    private static async Task<IResult> LogsAsync(string id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
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

    private static async Task<IResult> AssignmentsAsync(string id, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
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

    // ---------------------------------------------------------------- helpers

    internal static Actor ActorOf(HttpRequest request) => request.HttpContext.User.ToActor();

    internal static IResult BadId(string id) => Problems.BadRequest($"'{Truncate(id)}' is not a task id; task ids are UUIDs such as 3fa85f64-5717-4562-b3fc-2c963f66afa6");

    internal static string Truncate(string text) => text.Clip(60);

    private static async Task<IResult> Act(string id, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, Func<Guid, Task<WorkItem>> action, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return BadId(id);
        }

        await action(taskId);
        return TypedResults.Ok(await DetailDtoAsync(dbFactory, time, taskId, cancellationToken));
    }

    private static async Task<TaskDetailDto> DetailDtoAsync(IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, Guid taskId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await LoadDetailAsync(db, taskId, cancellationToken)
            ?? throw RefusedException.NotFound("Task", taskId);
        return TaskDetailDto.From(item, time.GetUtcNow().UtcDateTime);
    }
}
