using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Features.Agents;

/// <summary>/agents/: the original's agent routes; managing agents is for admins, an agent token acts only for its own agent.</summary>
public static class AgentEndpoints
{
    public static RouteGroupBuilder MapAgentApi(this RouteGroupBuilder api)
    {
        var agents = api.MapGroup("/agents").WithTags("Agents").WithMetadata(IdKind.Agent);
        agents.MapGet("/", ListAsync).RequireAuthorization(OpsPolicies.Viewer).WithMetadata(ListParameters.NumberedOnly.Instance);
        agents.MapPost("/", CreateAsync).RequireAuthorization(OpsPolicies.Admin);
        agents.MapGet("/me", MeAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent);
        agents.MapGet("/{id:guid}", DetailAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent);
        agents.MapPut("/{id:guid}", [CanConflict] (Guid id, HttpRequest r, AgentService s, CancellationToken c) => UpdateAsync(id, r, s, true, c)).RequireAuthorization(OpsPolicies.Admin);
        agents.MapPatch("/{id:guid}", [CanConflict] (Guid id, HttpRequest r, AgentService s, CancellationToken c) => UpdateAsync(id, r, s, false, c)).RequireAuthorization(OpsPolicies.Admin);
        agents.MapDelete("/{id:guid}", DeleteAsync).RequireAuthorization(OpsPolicies.Admin);
        agents.MapPost("/{id:guid}/update_status", UpdateStatusAsync).RequireAuthorization(OpsPolicies.Admin);
        agents.MapPost("/{id:guid}/rotate_token", RotateTokenAsync).RequireAuthorization(OpsPolicies.Admin);
        agents.MapPost("/{id:guid}/heartbeat", HeartbeatAsync).RequireAuthorization(OpsPolicies.AdminOrAgent);
        agents.MapGet("/{id:guid}/current_tasks", CurrentTasksAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent);
        agents.MapGet("/{id:guid}/task_history", TaskHistoryAsync).RequireAuthorization(OpsPolicies.ViewerOrAgent);
        return api;
    }

    private static async Task<Results<Ok<Page<AgentDto>>, ValidationProblem>> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        var kinds = q.Enums<AgentKind>("agent_type");
        var statuses = q.Enums<AgentStatus>("status");
        var active = q.Bool("is_active");
        var weightMin = q.Number("priority_weight__gte");
        var weightMax = q.Number("priority_weight__lte");
        var rateMin = q.Number("success_rate__gte");
        var rateMax = q.Number("success_rate__lte");
        var search = q.Text("search")?.ToLowerInvariant();
        var environment = q.Text("environment", 50);
        if (!q.IsValid)
        {
            return q.Problem();
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Agents are few (tens, at most thousands): filter and order in memory, where computed fields such as success_rate live.
        IEnumerable<Agent> agents = await db.Agents.AsNoTracking().ToListAsync(cancellationToken);
        if (kinds is not null) agents = agents.Where(a => kinds.Contains(a.Kind));
        if (statuses is not null) agents = agents.Where(a => statuses.Contains(a.Status));
        if (active is { } isActive) agents = agents.Where(a => a.IsActive == isActive);
        if (weightMin is { } wmin) agents = agents.Where(a => a.PriorityWeight >= wmin);
        if (weightMax is { } wmax) agents = agents.Where(a => a.PriorityWeight <= wmax);
        if (rateMin is { } rmin) agents = agents.Where(a => a.SuccessRate >= rmin);
        if (rateMax is { } rmax) agents = agents.Where(a => a.SuccessRate <= rmax);
        if (environment is not null) agents = agents.Where(a => a.Environments.Contains(environment, StringComparer.OrdinalIgnoreCase));
        if (search is not null)
        {
            agents = agents.Where(a => a.Name.Contains(search, StringComparison.OrdinalIgnoreCase)
                || a.Capabilities.Any(c => c.Wire().Contains(search, StringComparison.Ordinal)));
        }

        var sorted = Order(agents, q);
        if (!q.IsValid)
        {
            return q.Problem();
        }

        var now = time.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(q.Paginate(sorted.Select(a => AgentDto.From(a, now)).ToList()));
    }

    private static IEnumerable<Agent> Order(IEnumerable<Agent> agents, ListQuery q)
    {
        var keys = new Dictionary<string, Func<Agent, IComparable>>
        {
            ["name"] = a => a.Name,
            ["created_on"] = a => a.CreatedOn,
            ["priority_weight"] = a => a.PriorityWeight,
            ["success_rate"] = a => a.SuccessRate,
            ["total_tasks_completed"] = a => a.TotalTasksCompleted,
            ["status"] = a => a.Status,
            ["current_task_count"] = a => a.ActiveTaskCount,
        };
        return q.Order(agents, keys, "-priority_weight,name");
    }

    private static async Task<Results<Ok<AgentDto>, NotFoundProblem, ForbiddenProblem>> DetailAsync(
        Guid id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (ForeignAgent(user, id) is { } forbidden)
        {
            return forbidden;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var agent = await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        return agent is null ? Problems.NotFound("Agent", id) : TypedResults.Ok(AgentDto.From(agent, time.GetUtcNow().UtcDateTime));
    }

    /// <summary>The calling agent itself: how a worker that has only its token learns its id.</summary>
    private static async Task<Results<Ok<AgentDto>, NotFoundProblem>> MeAsync(ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (user.ToActor() is not { Kind: ActorKind.Agent, AgentId: { } agentId })
        {
            return Problems.NotFound("agents/me/ answers only to an agent token (opa_…); an API key or a signed-in user has no agent of its own.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var agent = await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.Id == agentId, cancellationToken);
        return agent is null ? Problems.NotFound("Agent", agentId) : TypedResults.Ok(AgentDto.From(agent, time.GetUtcNow().UtcDateTime));
    }

    [CanConflict]
    private static async Task<Results<Created<AgentWithTokenDto>, RequestProblem>> CreateAsync(HttpRequest request, AgentService service, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var spec = AgentSpec.Read(body, required: true);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var (agent, token) = await service.CreateAsync(spec, request.HttpContext.User.ToActor(), cancellationToken);
        var dto = AgentDto.From(agent, time.GetUtcNow().UtcDateTime);
        return TypedResults.Created($"/api/v1/orchestration/agents/{agent.Id}/", new AgentWithTokenDto(dto, token));
    }

    private static async Task<Results<Ok<AgentDto>, RequestProblem>> UpdateAsync(Guid id, HttpRequest request, AgentService service, bool replace, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var spec = AgentSpec.Read(body, required: replace);
        foreach (var readOnly in new[] { "success_rate", "total_tasks_completed", "total_tasks_failed", "last_heartbeat", "current_task_count", "token" })
        {
            if (body.Has(readOnly))
            {
                body.Error(readOnly, $"{readOnly} is read-only");
            }
        }

        if (!body.IsValid)
        {
            return body.Problem();
        }

        return TypedResults.Ok(await service.UpdateAsync(id, spec, request.HttpContext.User.ToActor(), cancellationToken));
    }

    [CanConflict]
    private static async Task<NoContent> DeleteAsync(Guid id, HttpRequest request, AgentService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(id, request.HttpContext.User.ToActor(), cancellationToken);
        return TypedResults.NoContent();
    }

    [CanConflict]
    private static async Task<Results<Ok<AgentStatusChangedDto>, RequestProblem>> UpdateStatusAsync(
        Guid id, JsonRequest<AgentStatusBody> body, HttpRequest request, AgentOperations agents, CancellationToken cancellationToken)
    {
        if (body is not { Value: { } value, Fields: { } fields })
        {
            return body.Problem!;
        }

        var action = fields.String("action", value.Action, required: true, max: 30);
        fields.String("reason", value.Reason, max: 1000);
        if (!fields.IsValid)
        {
            return fields.Problem();
        }

        var agent = await agents.UpdateStatusAsync(id, action!, request.HttpContext.User.ToActor(), cancellationToken);
        return TypedResults.Ok(new AgentStatusChangedDto($"Agent status updated: {action}", agent.Status.Wire(), agent.IsActive));
    }

    [CanConflict]
    private static async Task<Ok<AgentTokenDto>> RotateTokenAsync(Guid id, HttpRequest request, AgentService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(new AgentTokenDto(await service.RotateTokenAsync(id, request.HttpContext.User.ToActor(), cancellationToken)));

    [CanConflict]
    private static async Task<Results<Ok<HeartbeatDto>, ForbiddenProblem>> HeartbeatAsync(Guid id, HttpContext context, AgentOperations agents, CancellationToken cancellationToken)
    {
        if (ForeignAgent(context.User, id) is { } forbidden)
        {
            return forbidden;
        }

        var agent = await agents.HeartbeatAsync(id, context.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        return TypedResults.Ok(new HeartbeatDto("Heartbeat updated", agent.LastHeartbeat, agent.Status.Wire()));
    }

    private static Task<Results<Ok<List<TaskListDto>>, NotFoundProblem, ForbiddenProblem>> CurrentTasksAsync(
        Guid id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        ReadAgentAsync(id, user, dbFactory, async db =>
        {
            var items = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent)
                .Where(w => w.AssignedAgentId == id && (w.Status == WorkItemStatus.Assigned || w.Status == WorkItemStatus.InProgress))
                .OrderByDescending(w => w.Priority).ThenBy(w => w.CreatedOn).Take(100).ToListAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            // What an agent receives carries what the runs before it did, so it does not repeat their mistakes.
            var previous = await Attempts.PreviousAsync(db, items.Select(w => w.Id).ToList(), cancellationToken);
            return items.Select(w => TaskListDto.From(w, now) with { PreviousAttempts = previous[w.Id] }).ToList();
        }, cancellationToken);

    /// <summary>Every task the agent ever held (through its assignments), so retried or reassigned work stays in its history.</summary>
    private static Task<Results<Ok<List<TaskListDto>>, NotFoundProblem, ForbiddenProblem>> TaskHistoryAsync(
        Guid id, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken) =>
        ReadAgentAsync(id, user, dbFactory, async db =>
        {
            var taskIds = db.Assignments.Where(a => a.AgentId == id).Select(a => a.WorkItemId);
            var items = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent)
                .Where(w => taskIds.Contains(w.Id)).OrderByDescending(w => w.ModifiedOn).Take(50).ToListAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            return items.Select(w => TaskListDto.From(w, now)).ToList();
        }, cancellationToken);

    /// <summary>Reads something of an agent: 403 for another agent's token, 404 when there is no such agent.</summary>
    private static async Task<Results<Ok<T>, NotFoundProblem, ForbiddenProblem>> ReadAgentAsync<T>(
        Guid agentId, ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, Func<OpsDbContext, Task<T>> read, CancellationToken cancellationToken)
    {
        if (ForeignAgent(user, agentId) is { } forbidden)
        {
            return forbidden;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Agents.AnyAsync(a => a.Id == agentId, cancellationToken))
        {
            return Problems.NotFound("Agent", agentId);
        }

        return TypedResults.Ok(await read(db));
    }

    /// <summary>An agent token is good for its own agent only.</summary>
    internal static ForbiddenProblem? ForeignAgent(ClaimsPrincipal user, Guid agentId)
    {
        var actor = user.ToActor();
        return actor.Kind == ActorKind.Agent && actor.AgentId != agentId
            ? Problems.Forbidden("This agent token belongs to another agent; an agent can act only for itself.")
            : null;
    }
}

/// <summary>The answer to update_status/.</summary>
public sealed record AgentStatusChangedDto(string Message, string NewStatus, bool IsActive);

/// <summary>The answer to rotate_token/: the new token, shown this once.</summary>
public sealed record AgentTokenDto(string Token);

/// <summary>The answer to heartbeat/.</summary>
public sealed record HeartbeatDto(string Message, DateTime? Timestamp, string Status);

public sealed record AgentWithTokenDto(
    [property: System.Text.Json.Serialization.JsonIgnore] AgentDto Agent,
    string Token)
{
    // Flattened on the wire: the agent's fields plus its token, shown this once.
    [System.Text.Json.Serialization.JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement> Fields =>
        System.Text.Json.JsonSerializer.SerializeToElement(Agent, ApiJson.Options).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
}
