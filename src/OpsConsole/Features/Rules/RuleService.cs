using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.Rules;

/// <summary>The rule fields a client may set, read and checked from a request body: the rules/ routes and the Rules page share it.</summary>
public sealed record RuleSpec(string? Name, string? Description, RuleKind? Kind, string? TriggerConditions, string? Actions, int? Priority, bool? IsActive)
{
    /// <summary>
    /// Reads the fields; <paramref name="replace"/> (create, PUT) requires name, rule_type, trigger_conditions and actions.
    /// Null when the body has errors; they are in <paramref name="body"/>, by field.
    /// </summary>
    public static RuleSpec? Read(JsonBody body, bool replace)
    {
        var name = body.String("name", replace, 100);
        var description = body.String("description", max: 5000, allowEmpty: true);
        var kind = body.Enum<RuleKind>("rule_type", replace);
        var conditions = body.Object("trigger_conditions", 64 * 1024);
        var actions = body.Object("actions", 64 * 1024);
        var priority = body.Int("priority", 0, 1_000_000);
        var active = body.Bool("is_active");
        if (replace && conditions is null && !body.HasValue("trigger_conditions")) body.Error("trigger_conditions", "trigger_conditions is required (a JSON object)");
        if (replace && actions is null && !body.HasValue("actions")) body.Error("actions", "actions is required (a JSON object)");
        foreach (var readOnly in new[] { "trigger_count", "last_triggered" })
        {
            if (body.Has(readOnly)) body.Error(readOnly, $"{readOnly} is read-only");
        }

        if (kind is { } checkedKind && body.IsValid)
        {
            // Actions checked with a masked secret in them are checked as if the stored secret were sent (the service keeps it).
            foreach (var (field, message) in RuleValidation.Validate(checkedKind, conditions ?? "{}", RuleSecrets.ForValidation(actions ?? "{}")))
            {
                body.Error(field, message);
            }
        }

        return body.IsValid ? new RuleSpec(name, description, kind, conditions, actions, priority, active) : null;
    }
}

/// <summary>Creates, changes and deletes rules (administrators only, checked here too); the audit trail records each change.</summary>
public sealed class RuleService(IDbContextFactory<OpsDbContext> dbFactory, UnitOfWork unitOfWork, AccessGuard guard, ILogger<RuleService> logger)
{
    /// <summary>Every rule in the order they are applied: by priority, then by name.</summary>
    public async Task<List<OrchestrationRule>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Rules.AsNoTracking().OrderBy(r => r.Priority).ThenBy(r => r.Name).ToListAsync(cancellationToken);
    }

    /// <summary>Creates a rule (<paramref name="ruleId"/> null) or changes the fields <paramref name="spec"/> sets.</summary>
    public async Task<(OrchestrationRule Rule, bool Created)> SaveAsync(Guid? ruleId, RuleSpec spec, ClaimsPrincipal by, CancellationToken cancellationToken)
    {
        await guard.DemandAsync(by, ApiRole.Admin, cancellationToken);
        AuditContext.Use(by.ToActor());
        (OrchestrationRule Rule, bool Created) saved = await unitOfWork.WriteAsync(async (db, now) =>
        {
            OrchestrationRule rule;
            if (ruleId is { } existingId)
            {
                rule = await db.Rules.FirstOrDefaultAsync(r => r.Id == existingId, cancellationToken)
                    ?? throw RefusedException.NotFound("Rule", existingId);
            }
            else
            {
                rule = new OrchestrationRule { CreatedOn = now };
                db.Rules.Add(rule);
            }

            if (spec.Name is { } name && await db.Rules.AnyAsync(r => r.Name == name && r.Id != rule.Id, cancellationToken))
            {
                throw RefusedException.Conflict($"A rule named '{name}' already exists; rule names are unique");
            }

            if (spec.Name is not null) rule.Name = spec.Name;
            if (spec.Description is not null) rule.Description = spec.Description;
            if (spec.Kind is { } k) rule.Kind = k;
            if (spec.TriggerConditions is not null) rule.TriggerConditions = spec.TriggerConditions;
            if (spec.Actions is not null) rule.Actions = RuleSecrets.Keep(spec.Actions, rule.Actions);
            if (spec.Priority is { } p) rule.Priority = p;
            if (spec.IsActive is { } a) rule.IsActive = a;
            await CheckAsync(db, rule, cancellationToken);
            rule.ModifiedOn = now;
            await db.SaveChangesAsync(cancellationToken);
            return (rule, ruleId is null);
        }, cancellationToken);
        RulesLog.Saved(logger, saved.Rule.Name, saved.Created ? "created" : "changed", by.Identity?.Name);
        return saved;
    }

    /// <summary>
    /// The rule as it will be stored, checked as a whole (a PATCH may change the actions of a type it does not send), and
    /// refused when it would route what it matches to nobody.
    /// </summary>
    private static async Task CheckAsync(OpsDbContext db, OrchestrationRule rule, CancellationToken cancellationToken)
    {
        if (RuleValidation.Validate(rule.Kind, rule.TriggerConditions, rule.Actions).FirstOrDefault() is { Field: not null } problem)
        {
            throw RefusedException.BadRequest($"{problem.Field}: {problem.Message}");
        }

        if (RuleSafety.RoutesToNobody(rule, await db.Agents.AsNoTracking().ToListAsync(cancellationToken)) is { } nobody)
        {
            throw RefusedException.BadRequest($"This rule would route work to nobody: {nobody}");
        }
    }

    /// <summary>Deletes a rule; loaded first so the audit trail keeps what it was.</summary>
    public async Task DeleteAsync(Guid ruleId, ClaimsPrincipal by, CancellationToken cancellationToken)
    {
        await guard.DemandAsync(by, ApiRole.Admin, cancellationToken);
        AuditContext.Use(by.ToActor());
        var name = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var rule = await db.Rules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken) ?? throw RefusedException.NotFound("Rule", ruleId);
            db.Rules.Remove(rule);
            await db.SaveChangesAsync(cancellationToken);
            return rule.Name;
        }, cancellationToken);
        RulesLog.Deleted(logger, name, by.Identity?.Name);
    }
}
