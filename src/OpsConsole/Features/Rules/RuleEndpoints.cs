using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
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
        var rules = api.MapGroup("/rules").WithTags("Rules").WithMetadata(IdKind.Rule);
        rules.MapGet("/", ListAsync).RequireAuthorization(OpsPolicies.Viewer);
        rules.MapGet("/{id:guid}", DetailAsync).RequireAuthorization(OpsPolicies.Viewer);
        rules.MapPost("/", [CanConflict] (HttpRequest r, RuleService s, CancellationToken c) => SaveAsync(null, r, s, true, c)).RequireAuthorization(OpsPolicies.Admin);
        rules.MapPut("/{id:guid}", [CanConflict] (Guid id, HttpRequest r, RuleService s, CancellationToken c) => SaveAsync(id, r, s, true, c)).RequireAuthorization(OpsPolicies.Admin);
        rules.MapPatch("/{id:guid}", [CanConflict] (Guid id, HttpRequest r, RuleService s, CancellationToken c) => SaveAsync(id, r, s, false, c)).RequireAuthorization(OpsPolicies.Admin);
        rules.MapDelete("/{id:guid}", DeleteAsync).RequireAuthorization(OpsPolicies.Admin);
        return api;
    }

    private static async Task<Results<Ok<Page<RuleDto>>, ValidationProblem>> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
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

    private static async Task<Results<Ok<RuleDto>, NotFoundProblem>> DetailAsync(Guid id, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rule = await db.Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        return rule is null ? Problems.NotFound("Rule", id) : TypedResults.Ok(RuleDto.From(rule));
    }

    /// <summary>Creates a rule (no <paramref name="ruleId"/>: 201) or saves the one named (200), all fields (PUT) or some (PATCH).</summary>
    private static async Task<Results<Created<RuleDto>, Ok<RuleDto>, RequestProblem>> SaveAsync(
        Guid? ruleId, HttpRequest request, RuleService service, bool replace, CancellationToken cancellationToken)
    {
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

    private static async Task<NoContent> DeleteAsync(Guid id, HttpContext context, RuleService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(id, context.User, cancellationToken);
        return TypedResults.NoContent();
    }
}
