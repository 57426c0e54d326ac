using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Realtime;

/// <summary>The hub for machine clients and agents: observers get every change; an agent gets the tasks assigned to it.</summary>
[Authorize]
public sealed class OrchestrationHub : Hub
{
    public const string Path = "/hubs/orchestration";
    public const string Observers = "observers";

    public static string AgentGroup(Guid agentId) => $"agent:{agentId}";

    public static string TaskGroup(Guid taskId) => $"task:{taskId}";

    public override async Task OnConnectedAsync()
    {
        var actor = Context.User?.ToActor();
        if (actor is { Kind: ActorKind.Agent, AgentId: { } agentId })
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, AgentGroup(agentId));
        }
        else if (Context.User?.IsInRole(OpsRoles.Viewer) == true)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, Observers);
        }

        await base.OnConnectedAsync();
    }

    /// <summary>Follow one task's changes only.</summary>
    public Task FollowTask(Guid taskId) => Groups.AddToGroupAsync(Context.ConnectionId, TaskGroup(taskId));

    public Task UnfollowTask(Guid taskId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, TaskGroup(taskId));
}
