using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>
/// The /tasks/{id}/… action routes: assign, retry, escalate, cancel, block and unblock for operators; start, progress,
/// complete, fail and release for the agent that holds the task. Refusals reach the client through the one refusal handler.
/// </summary>
internal static class WorkItemActionHandlers
{
    [CanConflict]
    internal static async Task<Results<Ok<AssignedDto>, RequestProblem>> AssignAsync(Guid id, JsonRequest<AssignBody> request, HttpContext context, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request is not { Value: { } body, Fields: { } fields })
        {
            return request.Problem!;
        }

        var action = fields.String("action", body.Action, max: 20);
        if (action is not null && action is not ("assign" or "retry" or "escalate" or "cancel" or "complete"))
        {
            fields.Error("action", $"action '{action}' is not allowed; allowed: assign, retry, escalate, cancel, complete");
        }

        var agentId = fields.Guid("agent_id", body.AgentId);
        var reason = fields.String("reason", body.Reason, max: 1000);
        if (!fields.IsValid)
        {
            return fields.Problem();
        }

        var result = await engine.AssignAsync(id, agentId, reason, context.User.ToActor(), cancellationToken);
        var agentName = result.Task.AssignedAgent?.Name;
        return TypedResults.Ok(new AssignedDto(
            agentId is null ? $"Task auto-assigned to {agentName}" : $"Task assigned to {agentName}",
            result.Assignment?.Id, result.Assignment?.AssignmentReason, TaskListDto.From(result.Task, time.GetUtcNow().UtcDateTime)));
    }

    [CanConflict]
    internal static async Task<Ok<TaskActedDto>> RetryAsync(Guid id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        var item = await engine.RetryAsync(id, request.HttpContext.User.ToActor(), cancellationToken);
        var assigned = item.AssignedAgent is { } a ? $" and assigned to {a.Name}" : "";
        return TypedResults.Ok(new TaskActedDto($"Task retried (attempt {item.RetryCount}){assigned}", TaskListDto.From(item, time.GetUtcNow().UtcDateTime)));
    }

    [CanConflict]
    internal static async Task<Results<Ok<EscalatedDto>, RequestProblem>> EscalateAsync(Guid id, JsonRequest<ReasonBody> body, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        var (reason, problem) = Reason(body);
        if (problem is not null)
        {
            return problem;
        }

        var item = await engine.EscalateAsync(id, reason, request.HttpContext.User.ToActor(), cancellationToken);
        return TypedResults.Ok(new EscalatedDto($"Task escalated to level {item.EscalationLevel}", item.Priority.Wire(), TaskListDto.From(item, time.GetUtcNow().UtcDateTime)));
    }

    [CanConflict]
    internal static async Task<Results<Ok<TaskActedDto>, RequestProblem>> CancelAsync(Guid id, JsonRequest<ReasonBody> body, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        var (reason, problem) = Reason(body);
        if (problem is not null)
        {
            return problem;
        }

        var item = await engine.CancelAsync(id, reason, request.HttpContext.User.ToActor(), cancellationToken);
        return TypedResults.Ok(new TaskActedDto("Task cancelled", TaskListDto.From(item, time.GetUtcNow().UtcDateTime)));
    }

    [CanConflict]
    internal static async Task<Results<Ok<TaskActedDetailDto>, RequestProblem>> BlockAsync(Guid id, JsonRequest<ReasonBody> body, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var (reason, problem) = Reason(body);
        if (problem is not null)
        {
            return problem;
        }

        await engine.BlockAsync(id, reason, request.HttpContext.User.ToActor(), cancellationToken);
        return TypedResults.Ok(new TaskActedDetailDto("Task blocked", await DetailDtoAsync(dbFactory, time, id, cancellationToken)));
    }

    [CanConflict]
    internal static Task<Ok<TaskActedDetailDto>> UnblockAsync(Guid id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, dbFactory, time, "Task unblocked", engine.UnblockAsync(id, request.HttpContext.User.ToActor(), cancellationToken), cancellationToken);

    [CanConflict]
    internal static Task<Ok<TaskActedDetailDto>> StartAsync(Guid id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Reported(dbFactory, time, "Task started", engine.StartAsync(id, request.HttpContext.User.ToActor(), cancellationToken), cancellationToken);

    [CanConflict]
    internal static Task<Ok<TaskActedDetailDto>> ReleaseAsync(Guid id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, dbFactory, time, "Task released", engine.ReleaseAsync(id, request.HttpContext.User.ToActor(), cancellationToken), cancellationToken);

    [CanConflict]
    internal static async Task<Results<Ok<TaskActedDetailDto>, RequestProblem>> CompleteAsync(Guid id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, allowEmpty: true);
        if (body is null)
        {
            return problem!;
        }

        var completion = AgentReports.Completion(body);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        return await Reported(dbFactory, time, "Task marked as completed", engine.CompleteAsync(id, completion.Output, completion.Usage, request.HttpContext.User.ToActor(), cancellationToken), cancellationToken);
    }

    [CanConflict]
    internal static async Task<Results<Ok<TaskActedDetailDto>, RequestProblem>> FailAsync(Guid id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var failure = AgentReports.Failure(body);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        return await Act(id, dbFactory, time, "Task marked as failed", engine.FailAsync(id, failure.Message, failure.Details, failure.Usage, request.HttpContext.User.ToActor(), cancellationToken), cancellationToken);
    }

    [CanConflict]
    internal static async Task<Results<Created<LogEntryDto>, RequestProblem>> ProgressAsync(
        Guid id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var report = AgentReports.Progress(body);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var entry = await engine.ProgressAsync(id, report, request.HttpContext.User.ToActor(), cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/orchestration/execution-logs/{entry.Id}/", await WorkItemEndpoints.EntryAfterWriteAsync(db, entry, cancellationToken));
    }

    /// <summary>Runs an action on the task and answers with the task's detail and the original's <c>message</c>.</summary>
    private static async Task<Ok<TaskActedDetailDto>> Act(
        Guid id, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, string message, Task action, CancellationToken cancellationToken)
    {
        await action;
        return TypedResults.Ok(new TaskActedDetailDto(message, await DetailDtoAsync(dbFactory, time, id, cancellationToken)));
    }

    /// <summary>
    /// Answers an agent's start or complete with the task as that report left it: no assignment pass changes a started or
    /// completed task after it, so only its dependencies and earlier runs are read again (when it has them).
    /// </summary>
    private static async Task<Ok<TaskActedDetailDto>> Reported(
        IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, string message, Task<WorkItem> report, CancellationToken cancellationToken)
    {
        var written = await report;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var detail = await WorkItemEndpoints.DetailAfterWriteAsync(db, written, time.GetUtcNow().UtcDateTime, cancellationToken)
            ?? throw RefusedException.NotFound("Task", written.Id);
        return TypedResults.Ok(new TaskActedDetailDto(message, detail));
    }

    private static async Task<TaskDetailDto> DetailDtoAsync(IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, Guid taskId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await WorkItemEndpoints.DetailWithAttemptsAsync(db, taskId, time.GetUtcNow().UtcDateTime, cancellationToken)
            ?? throw RefusedException.NotFound("Task", taskId);
    }

    /// <summary>The reason of escalate, cancel and block, or the problem that says what is wrong with their body.</summary>
    private static (string? Reason, RequestProblem? Problem) Reason(JsonRequest<ReasonBody> request)
    {
        if (request is not { Value: { } body, Fields: { } fields })
        {
            return (null, request.Problem);
        }

        var reason = fields.String("reason", body.Reason, max: 1000);
        return fields.IsValid ? (reason, null) : (null, fields.Problem());
    }
}

/// <summary>The answer to assign/: the original's message, the assignment and the task.</summary>
public sealed record AssignedDto(string Message, Guid? AssignmentId, string? Reason, TaskListDto Task);

/// <summary>The answer to retry/ and cancel/: the original's message and the task.</summary>
public sealed record TaskActedDto(string Message, TaskListDto Task);

/// <summary>The answer to escalate/: the original's message, the task's new priority and the task.</summary>
public sealed record EscalatedDto(string Message, string NewPriority, TaskListDto Task);
