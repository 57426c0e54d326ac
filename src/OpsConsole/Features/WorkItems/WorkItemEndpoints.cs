using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
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
        var tasks = api.MapGroup("/tasks").WithTags("Tasks");

        tasks.MapGet("/", WorkItemReadHandlers.ListAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<Page<TaskListDto>>();
        tasks.MapPost("/", WorkItemEditHandlers.CreateAsync).RequireAuthorization(OpsPolicies.Operator).Produces<TaskDetailDto>(201);
        tasks.MapGet("/{id}", WorkItemReadHandlers.DetailAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent).Produces<TaskDetailDto>();
        tasks.MapPut("/{id}", (string id, HttpRequest r, OrchestrationEngine e, TimeProvider t, CancellationToken c) => WorkItemEditHandlers.UpdateAsync(id, r, e, t, true, c))
            .RequireAuthorization(OpsPolicies.Operator).Produces<TaskDetailDto>();
        tasks.MapPatch("/{id}", (string id, HttpRequest r, OrchestrationEngine e, TimeProvider t, CancellationToken c) => WorkItemEditHandlers.UpdateAsync(id, r, e, t, false, c))
            .RequireAuthorization(OpsPolicies.Operator).Produces<TaskDetailDto>();
        tasks.MapDelete("/{id}", WorkItemEditHandlers.DeleteAsync).RequireAuthorization(OpsPolicies.Operator).Produces(204);

        tasks.MapPost("/{id}/assign", WorkItemActionHandlers.AssignAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id}/retry", WorkItemActionHandlers.RetryAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id}/escalate", WorkItemActionHandlers.EscalateAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id}/cancel", WorkItemActionHandlers.CancelAsync).RequireAuthorization(OpsPolicies.Operator);
        tasks.MapPost("/{id}/block", WorkItemActionHandlers.BlockAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id}/unblock", WorkItemActionHandlers.UnblockAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent);
        tasks.MapPost("/{id}/complete", WorkItemActionHandlers.CompleteAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<TaskDetailDto>();
        tasks.MapPost("/{id}/fail", WorkItemActionHandlers.FailAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<TaskDetailDto>();
        tasks.MapPost("/{id}/start", WorkItemActionHandlers.StartAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<TaskDetailDto>();
        tasks.MapPost("/{id}/progress", WorkItemActionHandlers.ProgressAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<LogEntryDto>(201);
        tasks.MapPost("/{id}/release", WorkItemActionHandlers.ReleaseAsync).RequireAuthorization(OpsPolicies.OperatorOrAgent).Produces<TaskDetailDto>();
        tasks.MapGet("/{id}/execution_logs", WorkItemReadHandlers.LogsAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent).Produces<List<LogEntryDto>>();
        tasks.MapPost("/{id}/messages", TaskMessages.PostRouteAsync).RequireAuthorization(OpsPolicies.Operator).Produces<TaskMessageDto>(201);
        tasks.MapGet("/{id}/messages", TaskMessages.ListRouteAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent).Produces<List<TaskMessageDto>>();
        tasks.MapGet("/{id}/attempts", WorkItemReadHandlers.AttemptsAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent).Produces<List<AttemptDto>>();
        tasks.MapGet("/{id}/assignments", WorkItemReadHandlers.AssignmentsAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<List<AssignmentDto>>();
        return api;
    }

    /// <summary>A task with its agent and both sides of its dependencies, as the detail route, the hub and the fan-out show it.</summary>
    internal static Task<WorkItem?> LoadDetailAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        db.WorkItems.AsNoTracking().AsSplitQuery()
            .Include(w => w.AssignedAgent)
            .Include(w => w.DependsOn).ThenInclude(d => d.AssignedAgent)
            .Include(w => w.DependentTasks).ThenInclude(d => d.AssignedAgent)
            .FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);

    /// <summary>The task's detail with its previous attempts: what the detail route, the hub and an agent receive.</summary>
    internal static async Task<TaskDetailDto?> DetailWithAttemptsAsync(OpsDbContext db, Guid taskId, DateTime now, CancellationToken cancellationToken) =>
        await LoadDetailAsync(db, taskId, cancellationToken) is { } item
            ? TaskDetailDto.From(item, now) with { PreviousAttempts = await Attempts.PreviousAsync(db, taskId, cancellationToken) }
            : null;

    internal static Actor ActorOf(HttpRequest request) => request.HttpContext.User.ToActor();

    internal static IResult BadId(string id) => Problems.BadRequest($"'{Truncate(id)}' is not a task id; task ids are UUIDs such as 3fa85f64-5717-4562-b3fc-2c963f66afa6");

    internal static string Truncate(string text) => text.Clip(60);
}
