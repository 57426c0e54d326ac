using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Api;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>The /tasks/ routes that create, edit and delete a task; state changes beyond a plain edit have their action routes.</summary>
public static class WorkItemEditHandlers
{
    [CanConflict]
    internal static async Task<Results<Created<TaskDetailDto>, RequestProblem>> CreateAsync(
        JsonRequest<NewTaskBody> body, ClaimsPrincipal user, OrchestrationEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        if (body is not { Value: { } value, Fields: { } fields })
        {
            return body.Problem!;
        }

        var spec = ReadNewTask(value, fields);
        if (!fields.IsValid)
        {
            return fields.Problem();
        }

        var item = await engine.CreateAsync(spec, user.ToActor(), cancellationToken);
        return TypedResults.Created($"/api/v1/orchestration/tasks/{item.Id}/", TaskDetailDto.From(item, time.GetUtcNow().UtcDateTime));
    }

    /// <summary>The task a POST tasks/ body asks for (its problems in <paramref name="fields"/>): creation and the preview read it alike.</summary>
    public static NewWorkItem ReadNewTask(NewTaskBody body, BoundFields fields) => new()
    {
        Title = fields.String("title", body.Title, required: true, max: WorkItemEndpoints.MaxTitle) ?? "",
        Description = fields.String("description", body.Description, max: WorkItemEndpoints.MaxDescription, allowEmpty: true) ?? "",
        Kind = fields.Enum<WorkItemKind>("task_type", body.TaskType, required: true) ?? default,
        Priority = fields.Enum<WorkItemPriority>("priority", body.Priority) ?? WorkItemPriority.Medium,
        DueDate = fields.Time("due_date", body.DueDate),
        EstimatedDuration = fields.Duration("estimated_duration", body.EstimatedDuration, WorkItemEndpoints.MaxEstimate) ?? TimeSpan.FromHours(1),
        InputData = fields.Object("input_data", body.InputData) ?? "{}",
        AutoAssign = fields.Bool("auto_assign", body.AutoAssign) ?? true,
        AutoRetry = fields.Bool("auto_retry", body.AutoRetry) ?? true,
        AutoEscalate = fields.Bool("auto_escalate", body.AutoEscalate) ?? true,
        MaxRetries = fields.Int("max_retries", body.MaxRetries, 0, 20) ?? 3,
        DependsOn = fields.Guids("depends_on_ids", body.DependsOnIds, 100) ?? [],
        Environment = fields.String("environment", body.Environment, max: 50),
        MaxRunMinutes = fields.Int("max_run_minutes", body.MaxRunMinutes, 1, WorkItem.MaxRunMinutesLimit),
        BudgetUsd = fields.Money("budget_usd", body.BudgetUsd),
    };

    /// <summary>The console's New task form, read as <c>POST tasks/</c> reads its body: the task, or what is wrong by field in the API's words.</summary>
    public static Checked<NewWorkItem> NewTaskFromForm(NewTaskBody form)
    {
        var fields = new BoundFields();
        return FormBodies.Of(fields, ReadNewTask(form, fields));
    }

    internal static async Task<Results<Ok<TaskDetailDto>, RequestProblem>> UpdateAsync(Guid id, HttpRequest request, OrchestrationEngine engine, TimeProvider time, bool replace, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var title = body.String("title", required: replace, max: WorkItemEndpoints.MaxTitle);
        var description = body.String("description", max: WorkItemEndpoints.MaxDescription, allowEmpty: true);
        var kind = body.Enum<WorkItemKind>("task_type", required: replace);
        var priority = body.Enum<WorkItemPriority>("priority");
        var clearDue = body.Json.TryGetPropertyValue("due_date", out var dueNode) && dueNode is null;
        var due = body.Time("due_date");
        var estimate = body.Duration("estimated_duration", WorkItemEndpoints.MaxEstimate);
        var input = body.Object("input_data");
        var autoAssign = body.Bool("auto_assign");
        var autoRetry = body.Bool("auto_retry");
        var autoEscalate = body.Bool("auto_escalate");
        var maxRetries = body.Int("max_retries", 0, 20);
        var environment = body.String("environment", max: 50);
        var clearMaxRun = body.Json.TryGetPropertyValue("max_run_minutes", out var maxRunNode) && maxRunNode is null;
        var maxRun = body.Int("max_run_minutes", 1, WorkItem.MaxRunMinutesLimit);
        var clearBudget = body.Json.TryGetPropertyValue("budget_usd", out var budgetNode) && budgetNode is null;
        var budget = body.Money("budget_usd");
        var status = body.Enum<WorkItemStatus>("status");
        foreach (var readOnly in new[] { "retry_count", "escalation_level", "assigned_agent", "started_at", "completed_at", "output_data", "error_details", "cost_usd" })
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

        // Redacted here, before the write: the database writer spends no time on it.
        title = title is null ? null : TaskCreation.RedactedTitle(title);
        description = Redactor.Redact(description);
        input = Redactor.RedactJson(input);
        var item = await engine.UpdateAsync(id, (w, now) =>
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
            if (clearMaxRun) w.MaxRunMinutes = null;
            if (maxRun is { } cap) w.MaxRunMinutes = cap;
            if (clearBudget) w.BudgetUsd = null;
            if (budget is { } b) w.BudgetUsd = b;
            if (status is { } s && s != w.Status) ChangeStatus(w, s, now);
        }, request.HttpContext.User.ToActor(), cancellationToken);
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

    [CanConflict]
    internal static async Task<NoContent> DeleteAsync(Guid id, HttpRequest request, OrchestrationEngine engine, CancellationToken cancellationToken)
    {
        await engine.DeleteAsync(id, request.HttpContext.User.ToActor(), cancellationToken);
        return TypedResults.NoContent();
    }
}
