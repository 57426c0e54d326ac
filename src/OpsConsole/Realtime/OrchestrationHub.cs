using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Agents;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Realtime;

/// <summary>What an agent sends with <see cref="OrchestrationHub.ReportProgress"/>; <c>id</c> (a UUID it chooses) makes a resend harmless.</summary>
public sealed record HubProgress(string? Message, string? Step = null, int? Percent = null, JsonElement? Data = null, Guid? Id = null, JsonElement? Usage = null);

/// <summary>What an agent sends with <see cref="OrchestrationHub.FailTask"/>; <c>error_details</c> may be text or an object.</summary>
public sealed record HubFailure(string? ErrorMessage, JsonElement? ErrorDetails = null, JsonElement? Usage = null);

/// <summary>The answer to <see cref="OrchestrationHub.Heartbeat"/>, as POST agents/{id}/heartbeat/ answers.</summary>
public sealed record HeartbeatAnswer(string Message, DateTime? Timestamp, string Status);

/// <summary>
/// The hub for machine clients and agents. Observers (Viewer and up) get every change; an agent gets the tasks assigned
/// to it (TaskAssigned), and on connecting, the tasks it already holds. Agents report through the methods below with
/// the same rules and answers as the REST routes; a refusal is a HubException carrying the REST problem's detail.
/// </summary>
[Authorize]
public sealed class OrchestrationHub(
    OrchestrationEngine engine,
    AgentOperations agents,
    IDbContextFactory<OpsDbContext> dbFactory,
    HubAudience audience,
    TimeProvider time,
    ILogger<OrchestrationHub> logger) : Hub
{
    public const string Path = "/hubs/orchestration";
    public const string Observers = "observers";

    private const int MaxMessage = 5000;
    private const int MaxStep = 100;
    private const int MaxData = 64 * 1024;
    private const int MaxOutput = 256 * 1024;
    private const int MaxDetails = 50_000;

    public static string AgentGroup(Guid agentId) => $"agent:{agentId}";

    public static string TaskGroup(Guid taskId) => $"task:{taskId}";

    private Actor Caller => Context.User?.ToActor() ?? new Actor("anonymous", ActorKind.User);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public override async Task OnConnectedAsync()
    {
        audience.Connected(Context);
        var actor = Caller;
        if (actor is { Kind: ActorKind.Agent, AgentId: { } agentId })
        {
            await JoinAsync(AgentGroup(agentId));
            await PushHeldTasksAsync(agentId, Context.ConnectionAborted);
        }
        else if (IsViewer)
        {
            await JoinAsync(Observers);
        }

        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        audience.Gone(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    private async Task JoinAsync(string group)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
        audience.Join(Context.ConnectionId, group);
    }

    private async Task LeaveAsync(string group)
    {
        audience.Leave(Context.ConnectionId, group);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
    }

    // ---------------------------------------------------------------- following

    /// <summary>Follow one task's changes (an agent: only a task it holds).</summary>
    public async Task FollowTask(string taskId)
    {
        var id = TaskId(taskId);
        if (Caller is { Kind: ActorKind.Agent, AgentId: { } agentId })
        {
            await using var db = await dbFactory.CreateDbContextAsync(Context.ConnectionAborted);
            if (!await db.WorkItems.AnyAsync(w => w.Id == id && w.AssignedAgentId == agentId, Context.ConnectionAborted))
            {
                throw new HubException("An agent token can follow only the tasks its agent holds.");
            }
        }
        else if (!IsViewer)
        {
            throw new HubException("Following tasks needs the Viewer role or higher.");
        }

        await JoinAsync(TaskGroup(id));
    }

    public Task UnfollowTask(string taskId) => LeaveAsync(TaskGroup(TaskId(taskId)));

    /// <summary>Receive every change again (observers do from the start).</summary>
    public Task FollowAll() => IsViewer
        ? JoinAsync(Observers)
        : throw new HubException("Following every change needs the Viewer role or higher; an agent token receives its own tasks.");

    /// <summary>Stop receiving every change, e.g. to follow only a few tasks.</summary>
    public Task UnfollowAll() => LeaveAsync(Observers);

    // ---------------------------------------------------------------- agent protocol

    /// <summary>The calling agent is alive (as POST agents/{id}/heartbeat/).</summary>
    public async Task<HeartbeatAnswer> Heartbeat()
    {
        if (Caller is not { Kind: ActorKind.Agent, AgentId: { } agentId })
        {
            throw new HubException("Heartbeat() is for agents: connect with the agent's own token (opa_…).");
        }

        var agent = await RunAsync(() => agents.HeartbeatAsync(agentId, Context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString(), Context.ConnectionAborted));
        return new HeartbeatAnswer("Heartbeat updated", agent.LastHeartbeat, agent.Status.Wire());
    }

    /// <summary>The holding agent starts work: in_progress, started_at set. Resending is harmless.</summary>
    public async Task<TaskDetailDto> StartTask(string taskId)
    {
        var id = TaskId(taskId);
        var actor = AgentOrOperator();
        await RunAsync(() => engine.StartAsync(id, actor, Context.ConnectionAborted));
        return await DetailAsync(id);
    }

    /// <summary>An execution-log entry on the task (as POST tasks/{id}/progress/, which answers with the entry).</summary>
    public async Task<LogEntryDto> ReportProgress(string taskId, HubProgress report)
    {
        var id = TaskId(taskId);
        var actor = AgentOrOperator();
        if (report is null || string.IsNullOrWhiteSpace(report.Message))
        {
            throw new HubException("message is required (max 5000 characters)");
        }

        var problems = new List<string>();
        if (report.Message.Length > MaxMessage) problems.Add($"message is longer than {MaxMessage} characters");
        if (report.Step is { Length: > MaxStep }) problems.Add($"step is longer than {MaxStep} characters");
        if (report.Percent is < 0 or > 100) problems.Add("percent must be between 0 and 100");
        var data = ObjectText(report.Data, "data", MaxData, problems);
        var usage = UsageInput.Read(report.Usage, problems);
        if (problems.Count > 0)
        {
            throw new HubException(string.Join("; ", problems));
        }

        var entry = await RunAsync(() => engine.ProgressAsync(id, new ProgressReport(report.Message.Trim(), report.Step, report.Percent, data, report.Id, usage), actor, Context.ConnectionAborted));
        return LogEntryDto.From(entry);
    }

    /// <summary>
    /// The holding agent (or an operator) completes the task with its output (a JSON object or null); a top-level <c>usage</c>
    /// member of the output is the run's usage (taken out of the stored output). Resending is harmless.
    /// </summary>
    public async Task<TaskDetailDto> CompleteTask(string taskId, JsonElement? output)
    {
        var id = TaskId(taskId);
        var actor = AgentOrOperator();
        var problems = new List<string>();
        var outputText = ObjectText(output, "output", MaxOutput, problems);
        UsageReport? usage = null;
        if (outputText is not null && output!.Value.TryGetProperty("usage", out var reported))
        {
            usage = UsageInput.Read(reported, problems);
            var rest = System.Text.Json.Nodes.JsonNode.Parse(outputText)!.AsObject();
            rest.Remove("usage");
            outputText = rest.ToJsonString();
        }

        if (problems.Count > 0)
        {
            throw new HubException(string.Join("; ", problems));
        }

        await RunAsync(() => engine.CompleteAsync(id, outputText, usage, actor, Context.ConnectionAborted));
        return await DetailAsync(id);
    }

    /// <summary>The holding agent (or an operator) reports a failure; the failure policy retries or escalates. Resending is harmless.</summary>
    public async Task<TaskDetailDto> FailTask(string taskId, HubFailure failure)
    {
        var id = TaskId(taskId);
        var actor = AgentOrOperator();
        if (failure is null || string.IsNullOrWhiteSpace(failure.ErrorMessage))
        {
            throw new HubException("error_message is required (max 5000 characters)");
        }

        if (failure.ErrorMessage.Length > MaxMessage)
        {
            throw new HubException($"error_message is longer than {MaxMessage} characters");
        }

        var details = failure.ErrorDetails switch
        {
            null => null,
            { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
            { ValueKind: JsonValueKind.String } text => text.GetString(),
            { } other => other.GetRawText(),
        };
        if (details is { Length: > MaxDetails })
        {
            throw new HubException($"error_details is longer than {MaxDetails} characters; send the tail of the log");
        }

        var problems = new List<string>();
        var usage = UsageInput.Read(failure.Usage, problems);
        if (problems.Count > 0)
        {
            throw new HubException(string.Join("; ", problems));
        }

        await RunAsync(() => engine.FailAsync(id, failure.ErrorMessage.Trim(), details, usage, actor, Context.ConnectionAborted));
        return await DetailAsync(id);
    }

    /// <summary>The holding agent gives the task back; it goes to another agent without using a retry.</summary>
    public async Task<TaskDetailDto> ReleaseTask(string taskId)
    {
        var id = TaskId(taskId);
        var actor = AgentOrOperator();
        await RunAsync(() => engine.ReleaseAsync(id, actor, Context.ConnectionAborted));
        return await DetailAsync(id);
    }

    // ---------------------------------------------------------------- helpers

    private bool IsViewer => Context.User?.IsInRole(OpsRoles.Viewer) == true;

    private Actor AgentOrOperator()
    {
        var actor = Caller;
        if (actor.Kind == ActorKind.Agent || Context.User?.IsInRole(OpsRoles.Operator) == true)
        {
            return actor;
        }

        throw new HubException("Your role does not allow this action: it is for the agent that holds the task, or an Operator.");
    }

    private static Guid TaskId(string? text) => Guid.TryParse(text, out var id)
        ? id
        : throw new HubException($"'{WorkItemEndpoints.Truncate(text ?? "")}' is not a task id; task ids are UUIDs such as 3fa85f64-5717-4562-b3fc-2c963f66afa6");

    private static string? ObjectText(JsonElement? value, string name, int maxBytes, List<string> problems)
    {
        if (value is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{name} must be a JSON object");
            return null;
        }

        var text = element.GetRawText();
        if (text.Length > maxBytes)
        {
            problems.Add($"{name} is larger than {maxBytes / 1024} KiB");
        }

        return text;
    }

    /// <summary>
    /// Starts the message of a refusal that changed nothing because the database could not be had (REST answers it 503 with
    /// Retry-After): the client sends the same call again later. <c>opsctl agent run</c> keys on it.
    /// </summary>
    public const string TryAgainPrefix = "Try again later: ";

    /// <summary>Runs an engine call; its refusals reach the client as the same message the REST route would give.</summary>
    private static async Task<T> RunAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (RefusedException refused) when (refused.Kind == RefusalKind.Unavailable)
        {
            throw new HubException(TryAgainPrefix + refused.Message);
        }
        catch (RefusedException refused)
        {
            throw new HubException(refused.Message);
        }
        catch (TransitionRefusedException refused)
        {
            throw new HubException(refused.Message);
        }
    }

    private async Task<TaskDetailDto> DetailAsync(Guid taskId)
    {
        await using var db = await dbFactory.CreateDbContextAsync(Context.ConnectionAborted);
        return await WorkItemEndpoints.DetailWithAttemptsAsync(db, taskId, Now, Context.ConnectionAborted)
            ?? throw new HubException($"Task {taskId} was not found");
    }

    /// <summary>An agent that (re)connects gets the tasks it already holds, so nothing assigned while it was away is missed.</summary>
    private async Task PushHeldTasksAsync(Guid agentId, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var held = await db.WorkItems.AsNoTracking()
                .Where(w => w.AssignedAgentId == agentId && (w.Status == WorkItemStatus.Assigned || w.Status == WorkItemStatus.InProgress))
                .OrderByDescending(w => w.Priority).ThenBy(w => w.CreatedOn)
                .Select(w => w.Id)
                .Take(100)
                .ToListAsync(cancellationToken);
            foreach (var id in held)
            {
                if (await WorkItemEndpoints.DetailWithAttemptsAsync(db, id, Now, cancellationToken) is { } item)
                {
                    await Clients.Caller.SendAsync("TaskAssigned", item, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The agent can still pull agents/{id}/current_tasks/; a failed push must not refuse the connection.
            logger.LogWarning(ex, "Could not push held tasks to agent {AgentId}", agentId);
        }
    }
}

/// <summary>
/// A refusal (HubException: a late report, a bad id) is an ordinary answer, as a 409 is over REST, and is logged at
/// Debug; anything else a hub method throws is a fault and is logged at Error. SignalR's own dispatcher log, which
/// reports both at Error, is silenced in the logging setup.
/// </summary>
public sealed class HubFaultFilter(ILogger<HubFaultFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (HubException refused)
        {
            logger.LogDebug("Hub {Method} by {User} refused: {Reason}", invocationContext.HubMethodName, invocationContext.Context.User?.Identity?.Name, refused.Message);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Hub {Method} by {User} failed", invocationContext.HubMethodName, invocationContext.Context.User?.Identity?.Name);
            throw;
        }
    }
}
