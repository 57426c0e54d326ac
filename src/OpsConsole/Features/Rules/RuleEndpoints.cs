using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Features.Rules;

public sealed record RuleDto(
    Guid Id, string Name, string Description, string RuleType, JsonNode? TriggerConditions, JsonNode? Actions,
    int Priority, bool IsActive, int TriggerCount, DateTime? LastTriggered, DateTime CreatedOn, DateTime ModifiedOn)
{
    public static RuleDto From(OrchestrationRule r) => new(
        r.Id, r.Name, r.Description, WireFormat.Of(r.Kind), ApiJson.Node(r.TriggerConditions), ApiJson.Node(r.Actions),
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
        rules.MapPost("/", (HttpRequest r, OrchestrationEngine e, CancellationToken c) => SaveAsync(null, r, e, true, c)).RequireAuthorization(OpsPolicies.Admin).Produces<RuleDto>(201);
        rules.MapPut("/{id}", (string id, HttpRequest r, OrchestrationEngine e, CancellationToken c) => SaveAsync(id, r, e, true, c)).RequireAuthorization(OpsPolicies.Admin).Produces<RuleDto>();
        rules.MapPatch("/{id}", (string id, HttpRequest r, OrchestrationEngine e, CancellationToken c) => SaveAsync(id, r, e, false, c)).RequireAuthorization(OpsPolicies.Admin).Produces<RuleDto>();
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
        return q.IsValid ? TypedResults.Ok(await q.PageAsync(query, RuleDto.From, cancellationToken)) : q.Problem();
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

    private static async Task<IResult> SaveAsync(string? id, HttpRequest request, OrchestrationEngine engine, bool replace, CancellationToken cancellationToken)
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

        var name = body.String("name", replace, 100);
        var description = body.String("description", max: 5000, allowEmpty: true);
        var kind = body.Enum<RuleKind>("rule_type", replace);
        var conditions = body.Object("trigger_conditions", 64 * 1024);
        var actions = body.Object("actions", 64 * 1024);
        var priority = body.Int("priority", 0, 1_000_000);
        var active = body.Bool("is_active");
        if (replace && conditions is null && !body.Has("trigger_conditions")) body.Error("trigger_conditions", "trigger_conditions is required (a JSON object)");
        if (replace && actions is null && !body.Has("actions")) body.Error("actions", "actions is required (a JSON object)");
        foreach (var readOnly in new[] { "trigger_count", "last_triggered" })
        {
            if (body.Has(readOnly)) body.Error(readOnly, $"{readOnly} is read-only");
        }

        if (kind == RuleKind.TaskCreation && body.IsValid)
        {
            foreach (var (field, message) in RuleEvaluator.Validate(conditions ?? "{}", actions ?? "{}"))
            {
                body.Error(field, message);
            }
        }

        if (!body.IsValid)
        {
            return body.Problem();
        }

        return await WorkItemEndpoints.Run(async () =>
        {
            var (rule, created) = await engine.WriteAsync(async (db, now) =>
            {
                OrchestrationRule rule;
                if (ruleId is { } existingId)
                {
                    rule = await db.Rules.FirstOrDefaultAsync(r => r.Id == existingId, cancellationToken)
                        ?? throw EngineRefusedException.NotFound("Rule", existingId);
                }
                else
                {
                    rule = new OrchestrationRule { CreatedOn = now };
                    db.Rules.Add(rule);
                }

                if (name is not null && await db.Rules.AnyAsync(r => r.Name == name && r.Id != rule.Id, cancellationToken))
                {
                    throw EngineRefusedException.Conflict($"A rule named '{name}' already exists; rule names are unique");
                }

                if (name is not null) rule.Name = name;
                if (description is not null) rule.Description = description;
                if (kind is { } k) rule.Kind = k;
                if (conditions is not null) rule.TriggerConditions = conditions;
                if (actions is not null) rule.Actions = actions;
                if (priority is { } p) rule.Priority = p;
                if (active is { } a) rule.IsActive = a;
                rule.ModifiedOn = now;
                await db.SaveChangesAsync(cancellationToken);
                return (rule, ruleId is null);
            }, cancellationToken);
            return created
                ? TypedResults.Created($"/api/v1/orchestration/rules/{rule.Id}/", RuleDto.From(rule))
                : TypedResults.Ok(RuleDto.From(rule));
        });
    }

    private static async Task<IResult> DeleteAsync(string id, OrchestrationEngine engine, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var ruleId))
        {
            return BadId(id);
        }

        return await WorkItemEndpoints.Run(async () =>
        {
            await engine.WriteAsync(async (db, now) =>
            {
                var deleted = await db.Rules.Where(r => r.Id == ruleId).ExecuteDeleteAsync(cancellationToken);
                return deleted == 0 ? throw EngineRefusedException.NotFound("Rule", ruleId) : deleted;
            }, cancellationToken);
            return TypedResults.NoContent();
        });
    }

    private static IResult BadId(string id) => Problems.BadRequest($"'{WorkItemEndpoints.Truncate(id)}' is not a rule id (UUID)");
}
