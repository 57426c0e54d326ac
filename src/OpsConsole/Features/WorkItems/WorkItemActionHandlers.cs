using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Features.WorkItems;

/// <summary>
/// The /tasks/{id}/… action routes: assign, retry, escalate, cancel, block and unblock for operators; start, progress,
/// complete, fail and release for the agent that holds the task. Refusals reach the client through the one refusal handler.
/// </summary>
internal static class WorkItemActionHandlers
{
    internal static async Task<IResult> AssignAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
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

        var result = await engine.AssignAsync(taskId, agentId, reason, WorkItemEndpoints.ActorOf(request), cancellationToken);
        var agentName = result.Task.AssignedAgent?.Name;
        return TypedResults.Ok(new
        {
            message = agentId is null ? $"Task auto-assigned to {agentName}" : $"Task assigned to {agentName}",
            assignment_id = result.Assignment?.Id,
            reason = result.Assignment?.AssignmentReason,
            task = TaskListDto.From(result.Task, time.GetUtcNow().UtcDateTime),
        });
    }

    internal static async Task<IResult> RetryAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        var item = await engine.RetryAsync(taskId, WorkItemEndpoints.ActorOf(request), cancellationToken);
        var assigned = item.AssignedAgent is { } a ? $" and assigned to {a.Name}" : "";
        return TypedResults.Ok(new { message = $"Task retried (attempt {item.RetryCount}){assigned}", task = TaskListDto.From(item, time.GetUtcNow().UtcDateTime) });
    }

    internal static async Task<IResult> EscalateAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        var (reason, problem) = await ReasonAsync(request);
        if (problem is not null)
        {
            return problem;
        }

        var item = await engine.EscalateAsync(taskId, reason, WorkItemEndpoints.ActorOf(request), cancellationToken);
        return TypedResults.Ok(new
        {
            message = $"Task escalated to level {item.EscalationLevel}",
            new_priority = item.Priority.Wire(),
            task = TaskListDto.From(item, time.GetUtcNow().UtcDateTime),
        });
    }

    internal static async Task<IResult> CancelAsync(string id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        var (reason, problem) = await ReasonAsync(request);
        if (problem is not null)
        {
            return problem;
        }

        var item = await engine.CancelAsync(taskId, reason, WorkItemEndpoints.ActorOf(request), cancellationToken);
        return TypedResults.Ok(new { message = "Task cancelled", task = TaskListDto.From(item, time.GetUtcNow().UtcDateTime) });
    }

    internal static async Task<IResult> BlockAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        var (reason, problem) = await ReasonAsync(request);
        if (problem is not null)
        {
            return problem;
        }

        await engine.BlockAsync(taskId, reason, WorkItemEndpoints.ActorOf(request), cancellationToken);
        return TypedResults.Ok(ApiJson.WithMessage(await DetailDtoAsync(dbFactory, time, taskId, cancellationToken), "Task blocked"));
    }

    internal static Task<IResult> UnblockAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, dbFactory, time, "Task unblocked", taskId => engine.UnblockAsync(taskId, WorkItemEndpoints.ActorOf(request), cancellationToken), cancellationToken);

    internal static Task<IResult> StartAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, dbFactory, time, "Task started", taskId => engine.StartAsync(taskId, WorkItemEndpoints.ActorOf(request), cancellationToken), cancellationToken);

    internal static Task<IResult> ReleaseAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, dbFactory, time, "Task released", taskId => engine.ReleaseAsync(taskId, WorkItemEndpoints.ActorOf(request), cancellationToken), cancellationToken);

    internal static async Task<IResult> CompleteAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
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

        return await Act(id, dbFactory, time, "Task marked as completed", taskId => engine.CompleteAsync(taskId, completion.Output, completion.Usage, WorkItemEndpoints.ActorOf(request), cancellationToken), cancellationToken);
    }

    internal static async Task<IResult> FailAsync(string id, HttpRequest request, OrchestrationEngine engine, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
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

        return await Act(id, dbFactory, time, "Task marked as failed", async taskId => (await engine.FailAsync(taskId, failure.Message, failure.Details, failure.Usage, WorkItemEndpoints.ActorOf(request), cancellationToken)).Task, cancellationToken);
    }

    internal static async Task<IResult> ProgressAsync(string id, HttpRequest request, OrchestrationEngine engine, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

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

        var entry = await engine.ProgressAsync(taskId, report, WorkItemEndpoints.ActorOf(request), cancellationToken);
        return TypedResults.Created($"/api/v1/orchestration/execution-logs/{entry.Id}/", LogEntryDto.From(entry));
    }

    /// <summary>Runs an action on the task and answers with the task's detail and the original's <c>message</c>.</summary>
    private static async Task<IResult> Act(
        string id, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, string message, Func<Guid, Task<WorkItem>> action, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var taskId))
        {
            return WorkItemEndpoints.BadId(id);
        }

        await action(taskId);
        return TypedResults.Ok(ApiJson.WithMessage(await DetailDtoAsync(dbFactory, time, taskId, cancellationToken), message));
    }

    private static async Task<TaskDetailDto> DetailDtoAsync(IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, Guid taskId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await WorkItemEndpoints.DetailWithAttemptsAsync(db, taskId, time.GetUtcNow().UtcDateTime, cancellationToken)
            ?? throw RefusedException.NotFound("Task", taskId);
    }

    /// <summary>The optional <c>{"reason": "…"}</c> body of escalate, cancel and block, or the problem that says what is wrong with it.</summary>
    private static async Task<(string? Reason, IResult? Problem)> ReasonAsync(HttpRequest request)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, allowEmpty: true);
        if (body is null)
        {
            return (null, problem);
        }

        var reason = body.String("reason", max: 1000);
        return body.IsValid ? (reason, null) : (null, body.Problem());
    }
}
