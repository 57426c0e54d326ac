using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>The answer to <c>POST</c>/<c>GET tasks/{id}/messages/</c>.</summary>
public sealed record TaskMessageDto(Guid Id, string Text, string Author, DateTime CreatedAt)
{
    public static TaskMessageDto From(TaskMessage m) => new(m.Id, m.Text, m.Author, m.CreatedOn);
}

/// <summary>
/// Steering: operators send a running agent a word; it is kept with the task, on its timeline, and pushed to the agent that
/// holds the task (hub <c>TaskMessage</c>). The console page and the REST route both act through here.
/// </summary>
public sealed class TaskMessages(UnitOfWork unitOfWork, IDbContextFactory<OpsDbContext> dbFactory, AccessGuard access)
{
    public async Task<TaskMessageDto> PostAsync(Guid taskId, string text, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Length > TaskMessage.MaxText)
        {
            throw RefusedException.BadRequest($"text is required (1 to {TaskMessage.MaxText} characters)");
        }

        text = Redactor.Redact(text.Trim())!;
        return await unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = await db.WorkItems.Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken)
                ?? throw RefusedException.NotFound("Task", taskId);
            if (item.Status.IsTerminal())
            {
                throw RefusedException.Conflict($"the task is {item.Status.Wire()}: no agent runs it to read a message");
            }

            var message = TaskMessage.To(item, text, actor.Name, now);
            db.TaskMessages.Add(message);
            var to = item.AssignedAgent is { } agent ? $" to {agent.Name}" : " (no agent holds the task yet; the next one reads it)";
            TaskLog.Add(db, item, LogSeverity.Info, "message", $"Message from {actor.Name}{to}: {text}", actor, now,
                TaskLog.Serialize(new { message_id = message.Id }), redacted: true);
            item.Touch(now);
            await db.SaveChangesAsync(cancellationToken);
            return TaskMessageDto.From(message);
        }, cancellationToken);
    }

    public async Task<List<TaskMessageDto>> ListAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return (await db.TaskMessages.AsNoTracking().Where(m => m.WorkItemId == taskId).OrderBy(m => m.CreatedOn).Take(500).ToListAsync(cancellationToken))
            .Select(TaskMessageDto.From).ToList();
    }

    // ---------------------------------------------------------------- routes

    [CanConflict]
    internal static async Task<Results<Created<TaskMessageDto>, RequestProblem>> PostRouteAsync(
        Guid id, JsonRequest<TaskMessageBody> body, HttpRequest request, TaskMessages messages, CancellationToken cancellationToken)
    {
        if (body is not { Value: { } value, Fields: { } fields })
        {
            return body.Problem!;
        }

        var text = fields.String("text", value.Text, required: true, max: TaskMessage.MaxText);
        if (!fields.IsValid)
        {
            return fields.Problem();
        }

        var message = await messages.PostAsync(id, text!, request.HttpContext.User.ToActor(), cancellationToken);
        return TypedResults.Created($"/api/v1/orchestration/tasks/{id}/messages/{message.Id}/", message);
    }

    internal static Task<Results<Ok<List<TaskMessageDto>>, NotFoundProblem, ForbiddenProblem>> ListRouteAsync(
        Guid id, ClaimsPrincipal user, TaskMessages messages, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken) =>
        WorkItemReadHandlers.ReadHeldAsync(id, user, dbFactory, "An agent token can read only the messages of the tasks its agent holds.",
            _ => messages.ListAsync(id, cancellationToken), cancellationToken);
}
