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

/// <summary>The answer to <see cref="OrchestrationHub.Heartbeat"/>, as POST agents/{id}/heartbeat/ answers.</summary>
public sealed record HeartbeatAnswer(string Message, DateTime? Timestamp, string Status);

/// <summary>
/// The hub for machine clients and agents. Observers (Viewer and up) get every change; an agent gets the tasks assigned
/// to it (TaskAssigned), and on connecting, the tasks it already holds. Agents report through the methods below with
/// the same rules and answers as the REST routes; a refusal is a HubException carrying the REST problem's detail.
/// <para>
/// One connection's calls run side by side (up to <see cref="ParallelCallsPerConnection"/>), as its REST requests would:
/// an agent holding ten tasks reports on each without waiting for its reports on the others. Calls on one task keep their
/// order when the client awaits each before the next, as <c>opsctl agent run</c> does.
/// </para>
/// </summary>
[Authorize]
public sealed class OrchestrationHub(
    OrchestrationEngine engine,
    AgentOperations agents,
    IDbContextFactory<OpsDbContext> dbFactory,
    HubAudience audience,
    TimeProvider time,
    ILogger<OrchestrationHub> logger) : Hub<IOrchestrationClient>
{
    public const string Path = "/hubs/orchestration";
    public const string Observers = "observers";

    public static string AgentGroup(Guid agentId) => $"agent:{agentId}";

    public static string TaskGroup(Guid taskId) => $"task:{taskId}";

    /// <summary>How many calls of one connection run at once; more wait for one of them to finish.</summary>
    public const int ParallelCallsPerConnection = 16;

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
        return await DetailAsync(await RunAsync(() => engine.StartAsync(id, actor, Context.ConnectionAborted)));
    }

    /// <summary>
    /// An execution-log entry on the task: <c>{message, step?, percent?, data?, id?, usage?}</c>, read by the rules of
    /// POST tasks/{id}/progress/, which answers with the same entry; <c>id</c> (a UUID the agent chooses) makes a resend harmless.
    /// </summary>
    public async Task<LogEntryDto> ReportProgress(string taskId, JsonElement? report)
    {
        var id = TaskId(taskId);
        var actor = AgentOrOperator();
        var entry = await RunAsync(() => engine.ProgressAsync(id, AgentReports.ProgressFromHub(report), actor, Context.ConnectionAborted));
        await using var db = await dbFactory.CreateDbContextAsync(Context.ConnectionAborted);
        return await WorkItemEndpoints.EntryAfterWriteAsync(db, entry, Context.ConnectionAborted);
    }

    /// <summary>
    /// The holding agent (or an operator) completes the task with its output (a JSON object or null); a top-level <c>usage</c>
    /// member of the output is the run's usage (taken out of the stored output). Resending is harmless.
    /// </summary>
    public async Task<TaskDetailDto> CompleteTask(string taskId, JsonElement? output)
    {
        var id = TaskId(taskId);
        var actor = AgentOrOperator();
        return await DetailAsync(await RunAsync(() =>
        {
            var completion = AgentReports.CompletionFromHub(output);
            return engine.CompleteAsync(id, completion.Output, completion.Usage, actor, Context.ConnectionAborted);
        }));
    }

    /// <summary>
    /// The holding agent (or an operator) reports a failure, <c>{error_message, error_details?, usage?}</c> as POST
    /// tasks/{id}/fail/ takes it; the failure policy retries or escalates. Resending is harmless.
    /// </summary>
    public async Task<TaskDetailDto> FailTask(string taskId, JsonElement? failure)
    {
        var id = TaskId(taskId);
        var actor = AgentOrOperator();
        await RunAsync(() =>
        {
            var report = AgentReports.FailureFromHub(failure);
            return engine.FailAsync(id, report.Message, report.Details, report.Usage, actor, Context.ConnectionAborted);
        });
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
        : throw new HubException(IdKind.Task.NotAnId(text));

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

    /// <summary>The detail of a task as the report that returned it left it (start and complete: no assignment pass touches it after).</summary>
    private async Task<TaskDetailDto> DetailAsync(WorkItem written)
    {
        await using var db = await dbFactory.CreateDbContextAsync(Context.ConnectionAborted);
        return await WorkItemEndpoints.DetailAfterWriteAsync(db, written, Now, Context.ConnectionAborted)
            ?? throw new HubException($"Task {written.Id} was not found");
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
                    await Clients.Caller.TaskAssigned(item);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The agent can still pull agents/{id}/current_tasks/; a failed push must not refuse the connection.
            RealtimeLog.HeldTasksNotPushed(logger, ex, agentId);
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
            RealtimeLog.HubCallRefused(logger, invocationContext.HubMethodName, invocationContext.Context.User?.Identity?.Name, refused.Message);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RealtimeLog.HubCallFailed(logger, ex, invocationContext.HubMethodName, invocationContext.Context.User?.Identity?.Name);
            throw;
        }
    }
}
