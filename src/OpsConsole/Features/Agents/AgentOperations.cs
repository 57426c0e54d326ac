using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.Agents;

/// <summary>
/// What changes an agent's availability: heartbeats, the original's update_status actions, edits of capacity or
/// capabilities. Taking an agent out of service hands its tasks to others; an agent coming back gets waiting work.
/// </summary>
public sealed class AgentOperations(UnitOfWork unitOfWork, AssignmentDispatcher dispatcher, AccessGuard access, CredentialCache credentials, ILogger<AgentOperations> logger)
{
    public async Task<Agent> HeartbeatAsync(Guid agentId, string? ip, CancellationToken cancellationToken)
    {
        var (agent, back) = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var agent = await FindAsync(db, agentId, cancellationToken);
            var wasOffline = agent.Status == AgentStatus.Offline;
            agent.Heartbeat(now, ip);
            await db.SaveChangesAsync(cancellationToken);
            return (agent, wasOffline && agent.Status != AgentStatus.Offline);
        }, cancellationToken);
        if (back)
        {
            AgentsLog.BackOnHeartbeat(logger, agent.Name);
            await dispatcher.DispatchAsync();
        }

        return agent;
    }

    /// <summary>The original's update_status actions; taking an agent out of service hands its tasks to others.</summary>
    public async Task<Agent> UpdateStatusAsync(Guid agentId, string action, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Admin, cancellationToken);
        AuditContext.Use(actor);
        var changed = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var agent = await FindAsync(db, agentId, cancellationToken);
            switch (action)
            {
                case "activate": agent.Activate(now); break;
                case "deactivate": agent.Deactivate(now); break;
                case "set_available": agent.SetStatus(AgentStatus.Available, now); break;
                case "set_busy":
                    throw RefusedException.BadRequest(
                        $"busy follows the agent's load ({agent.ActiveTaskCount}/{agent.MaxConcurrentTasks}); to stop giving {agent.Name} work, use set_maintenance or lower max_concurrent_tasks");
                case "set_offline": agent.SetStatus(AgentStatus.Offline, now); break;
                case "set_maintenance": agent.SetStatus(AgentStatus.Maintenance, now); break;
                case "set_error": agent.SetStatus(AgentStatus.Error, now); break;
                default:
                    throw RefusedException.BadRequest(
                        $"action must be one of activate, deactivate, set_available, set_busy, set_offline, set_maintenance, set_error (got '{action}')");
            }

            if (!agent.IsActive || agent.Status is AgentStatus.Offline or AgentStatus.Maintenance or AgentStatus.Error)
            {
                await AgentHolds.RequeueHeldTasksAsync(db, agent, $"{agent.Name} was set {agent.Status.Wire()} by {actor.Name}", actor, now, cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            return agent;
        }, cancellationToken);
        AgentsLog.StateChanged(logger, changed.Name, action, actor.Name);
        if (!changed.IsActive)
        {
            credentials.Revoke(CredentialKind.Agent, agentId.ToString()); // its token stops working until it is activated
        }

        await dispatcher.DispatchAsync(); // its tasks went back to the queue, or it has room now
        return changed;
    }

    /// <summary>Runs after an agent was created or edited (capacity, capabilities): work may now fit.</summary>
    public async Task<int> AgentsChangedAsync(CancellationToken cancellationToken)
    {
        await unitOfWork.WriteAsync(async (db, now) =>
        {
            foreach (var agent in await db.Agents.ToListAsync(cancellationToken))
            {
                agent.CapacityChanged(now);
            }

            return await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);
        return await dispatcher.DispatchAsync();
    }

    private static async Task<Agent> FindAsync(OpsDbContext db, Guid agentId, CancellationToken cancellationToken) =>
        await db.Agents.FirstOrDefaultAsync(a => a.Id == agentId, cancellationToken) ?? throw RefusedException.NotFound("Agent", agentId);
}
