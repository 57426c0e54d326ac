using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.Agents;

/// <summary>The agent fields a client may set, read and checked from a request body.</summary>
public sealed record AgentSpec(
    string? Name,
    AgentKind? Kind,
    List<WorkItemKind>? Capabilities,
    int? MaxConcurrentTasks,
    double? PriorityWeight,
    string? EndpointUrl,
    bool ClearEndpointUrl,
    string? Configuration,
    bool? IsActive,
    List<string>? Environments)
{
    public static AgentSpec Read(JsonBody body, bool required)
    {
        var endpoint = body.String("endpoint_url", max: 500);
        if (endpoint is not null && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            body.Error("endpoint_url", "endpoint_url must be an absolute http:// or https:// URL");
        }

        if (body.Has("status"))
        {
            body.Error("status", "status is changed with POST agents/{id}/update_status/ (activate, deactivate, set_available, set_busy, set_offline, set_maintenance)");
        }

        return new AgentSpec(
            body.String("name", required, 100),
            body.Enum<AgentKind>("agent_type", required),
            body.EnumList<WorkItemKind>("capabilities"),
            body.Int("max_concurrent_tasks", 1, 20),
            body.Double("priority_weight", 0.1, 10.0),
            endpoint,
            body.Json.TryGetPropertyValue("endpoint_url", out var e) && e is null,
            body.Object("configuration", 64 * 1024),
            body.Bool("is_active"),
            body.StringList("environments", 20, 50));
    }

    public void ApplyTo(Agent agent, DateTime now)
    {
        if (Name is not null) agent.Name = Name;
        if (Kind is { } kind) agent.Kind = kind;
        if (Capabilities is not null) agent.Capabilities = Capabilities;
        if (MaxConcurrentTasks is { } max) agent.MaxConcurrentTasks = max;
        if (PriorityWeight is { } weight) agent.PriorityWeight = weight;
        if (EndpointUrl is not null) agent.EndpointUrl = EndpointUrl;
        if (ClearEndpointUrl) agent.EndpointUrl = null;
        if (Configuration is not null) agent.Configuration = Configuration;
        if (Environments is not null) agent.Environments = Environments;
        if (IsActive is { } active && active != agent.IsActive)
        {
            if (active) agent.Activate(now); else agent.Deactivate(now);
        }

        agent.CapacityChanged(now);
    }
}

/// <summary>Creates, edits and removes agents, and issues their tokens (stored only as hashes).</summary>
public sealed class AgentService(IDbContextFactory<OpsDbContext> dbFactory, UnitOfWork unitOfWork, AgentOperations operations, AccessGuard access, CredentialCache credentials, TimeProvider time, ILogger<AgentService> logger)
{
    /// <summary>The agents as the Agents page and the wall list them: active first, then by priority weight, then by name.</summary>
    public async Task<List<Agent>> RosterAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return (await db.Agents.AsNoTracking().ToListAsync(cancellationToken))
            .OrderByDescending(a => a.IsActive).ThenByDescending(a => a.PriorityWeight).ThenBy(a => a.Name).ToList();
    }

    public async Task<(Agent Agent, string Token)> CreateAsync(AgentSpec spec, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Admin, cancellationToken);
        AuditContext.Use(actor);
        var token = Secrets.NewAgentToken();
        var agent = await unitOfWork.WriteAsync(async (db, now) =>
        {
            await EnsureUniqueNameAsync(db, spec.Name!, null, cancellationToken);
            var agent = new Agent { CreatedOn = now, ModifiedOn = now };
            spec.ApplyTo(agent, now);
            agent.SetTokenHash(Secrets.Hash(token), now);
            db.Agents.Add(agent);
            await db.SaveChangesAsync(cancellationToken);
            return agent;
        }, cancellationToken);
        AgentsLog.Created(logger, agent.Name, actor.Name);
        await operations.AgentsChangedAsync(cancellationToken);
        return (agent, token);
    }

    public async Task<AgentDto> UpdateAsync(Guid agentId, AgentSpec spec, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Admin, cancellationToken);
        AuditContext.Use(actor);
        var deactivating = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var agent = await db.Agents.FirstOrDefaultAsync(a => a.Id == agentId, cancellationToken)
                ?? throw RefusedException.NotFound("Agent", agentId);
            if (spec.Name is not null)
            {
                await EnsureUniqueNameAsync(db, spec.Name, agentId, cancellationToken);
            }

            var deactivating = spec.IsActive == false && agent.IsActive;
            spec.ApplyTo(agent, now);
            await db.SaveChangesAsync(cancellationToken);
            AgentsLog.Edited(logger, agent.Name, actor.Name);
            return deactivating;
        }, cancellationToken);
        if (deactivating)
        {
            await operations.UpdateStatusAsync(agentId, "deactivate", actor, cancellationToken);
        }

        await operations.AgentsChangedAsync(cancellationToken);
        await using var read = await dbFactory.CreateDbContextAsync(cancellationToken);
        return AgentDto.From(await read.Agents.AsNoTracking().FirstAsync(a => a.Id == agentId, cancellationToken), time.GetUtcNow().UtcDateTime);
    }

    /// <summary>Removes an agent; the tasks it held go back to the queue first, so nothing is lost.</summary>
    public async Task DeleteAsync(Guid agentId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Admin, cancellationToken);
        AuditContext.Use(actor);
        await operations.UpdateStatusAsync(agentId, "deactivate", actor, cancellationToken);
        await unitOfWork.WriteAsync(async (db, now) =>
        {
            var agent = await db.Agents.FirstOrDefaultAsync(a => a.Id == agentId, cancellationToken)
                ?? throw RefusedException.NotFound("Agent", agentId);
            db.Agents.Remove(agent);
            await db.SaveChangesAsync(cancellationToken);
            AgentsLog.Deleted(logger, agent.Name, actor.Name);
            return true;
        }, cancellationToken);
        credentials.Revoke(CredentialKind.Agent, agentId.ToString());
    }

    public async Task<string> RotateTokenAsync(Guid agentId, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Admin, cancellationToken);
        AuditContext.Use(actor);
        var token = Secrets.NewAgentToken();
        await unitOfWork.WriteAsync(async (db, now) =>
        {
            var agent = await db.Agents.FirstOrDefaultAsync(a => a.Id == agentId, cancellationToken)
                ?? throw RefusedException.NotFound("Agent", agentId);
            agent.SetTokenHash(Secrets.Hash(token), now);
            await db.SaveChangesAsync(cancellationToken);
            AgentsLog.TokenRotated(logger, agent.Name, actor.Name);
            return true;
        }, cancellationToken);
        credentials.Revoke(CredentialKind.Agent, agentId.ToString());
        return token;
    }

    private static async Task EnsureUniqueNameAsync(OpsDbContext db, string name, Guid? self, CancellationToken cancellationToken)
    {
        if (await db.Agents.AnyAsync(a => a.Name == name && a.Id != self, cancellationToken))
        {
            throw RefusedException.Conflict($"An agent named '{name}' already exists; agent names are unique");
        }
    }
}
