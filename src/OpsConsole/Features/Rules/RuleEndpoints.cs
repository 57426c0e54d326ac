using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Features.Rules;

public sealed record RuleDto(
    Guid Id, string Name, string Description, string RuleType, JsonNode? TriggerConditions, JsonNode? Actions,
    int Priority, bool IsActive, int TriggerCount, DateTime? LastTriggered, DateTime CreatedOn, DateTime ModifiedOn)
{
    public static RuleDto From(OrchestrationRule r) => new(
        r.Id, r.Name, r.Description, WireFormat.Of(r.Kind), ApiJson.Node(r.TriggerConditions), ApiJson.Node(RuleSecrets.Masked(r.Actions)),
        r.Priority, r.IsActive, r.TriggerCount, r.LastTriggered, r.CreatedOn, r.ModifiedOn);
}

/// <summary>/rules/: CRUD of orchestration rules (admins change them; everyone signed in reads them).</summary>
public static class RuleEndpoints
{
    private static readonly Dictionary<string, Expression<Func<OrchestrationRule, object?>>> Orderings = new()
    {
        ["priority"] = r => r.Priority,
        ["name"] = r => r.Name,
        ["created_on"] = r => r.CreatedOn,
        ["trigger_count"] = r => r.TriggerCount,
    };

    public static RouteGroupBuilder MapRuleApi(this RouteGroupBuilder api)
    {
        var rules = api.MapGroup("/rules").WithTags("Rules");
        rules.MapGet("/", ListAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<Page<RuleDto>>();
        rules.MapGet("/{id}", DetailAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<RuleDto>();
        rules.MapPost("/", (HttpRequest r, RuleService s, CancellationToken c) => SaveAsync(null, r, s, true, c)).RequireAuthorization(OpsPolicies.Admin).Produces<RuleDto>(201);
        rules.MapPut("/{id}", (string id, HttpRequest r, RuleService s, CancellationToken c) => SaveAsync(id, r, s, true, c)).RequireAuthorization(OpsPolicies.Admin).Produces<RuleDto>();
        rules.MapPatch("/{id}", (string id, HttpRequest r, RuleService s, CancellationToken c) => SaveAsync(id, r, s, false, c)).RequireAuthorization(OpsPolicies.Admin).Produces<RuleDto>();
        rules.MapDelete("/{id}", DeleteAsync).RequireAuthorization(OpsPolicies.Admin).Produces(204);
        return api;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<OrchestrationRule> query = db.Rules.AsNoTracking();
        if (q.Enums<RuleKind>("rule_type") is { } kinds) query = query.Where(r => kinds.Contains(r.Kind));
        if (q.Bool("is_active") is { } active) query = query.Where(r => r.IsActive == active);
        if (q.PositiveInt("priority__gte", 0, int.MaxValue) is { } min) query = query.Where(r => r.Priority >= min);
        if (q.PositiveInt("priority__lte", 0, int.MaxValue) is { } max) query = query.Where(r => r.Priority <= max);
        if (q.Text("search") is { } search)
        {
            var term = search.ToLower();
            query = query.Where(r => r.Name.ToLower().Contains(term) || r.Description.ToLower().Contains(term));
        }

        query = q.Order(query, Orderings, "priority,name");
        return q.IsValid ? TypedResults.Ok(await q.PageAsync(db, query, RuleDto.From, cancellationToken)) : q.Problem();
    }

    private static async Task<IResult> DetailAsync(string id, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var ruleId))
        {
            return BadId(id);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rule = await db.Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        return rule is null ? Problems.NotFound("Rule", ruleId) : TypedResults.Ok(RuleDto.From(rule));
    }

    private static async Task<IResult> SaveAsync(string? id, HttpRequest request, RuleService service, bool replace, CancellationToken cancellationToken)
    {
        Guid? ruleId = null;
        if (id is not null)
        {
            if (!Guid.TryParse(id, out var parsed))
            {
                return BadId(id);
            }

            ruleId = parsed;
        }

        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        if (RuleSpec.Read(body, replace) is not { } spec)
        {
            return body.Problem();
        }

        var (rule, created) = await service.SaveAsync(ruleId, spec, request.HttpContext.User, cancellationToken);
        return created
            ? TypedResults.Created($"/api/v1/orchestration/rules/{rule.Id}/", RuleDto.From(rule))
            : TypedResults.Ok(RuleDto.From(rule));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, RuleService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var ruleId))
        {
            return BadId(id);
        }

        await service.DeleteAsync(ruleId, context.User, cancellationToken);
        return TypedResults.NoContent();
    }

    private static IResult BadId(string id) => Problems.BadRequest($"'{WorkItemEndpoints.Truncate(id)}' is not a rule id (UUID)");
}
