using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// How a task comes to be, inside the caller's unit of work: redacted fields, dependencies checked, the creation log, the
/// task_creation rules applied; then saved and woken at its due date; assigned once committed. The API, intake
/// and bug reports all create tasks through here.
/// </summary>
public sealed class TaskCreation(IDueWorkScheduler scheduler, NotificationOutbox notifications)
{
    /// <summary>
    /// Adds a new task to <paramref name="db"/> (with its creation log and task_creation rules) without saving; for
    /// callers that run inside a <see cref="UnitOfWork"/> write and create several tasks, or check for duplicates, in one transaction.
    /// </summary>
    public async Task<WorkItem> AddTaskAsync(OpsDbContext db, NewWorkItem spec, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        // Whatever arrives (API, hub, intake) is redacted before it is stored: people and agents paste credentials.
        spec = spec.Redacted();
        var item = new WorkItem
        {
            Title = spec.Title,
            Description = spec.Description,
            Kind = spec.Kind,
            DueDate = spec.DueDate,
            EstimatedDuration = spec.EstimatedDuration,
            InputData = spec.InputData,
            AutoAssign = spec.AutoAssign,
            AutoRetry = spec.AutoRetry,
            AutoEscalate = spec.AutoEscalate,
            MaxRetries = spec.MaxRetries,
            Environment = spec.Environment,
            Source = spec.Source,
            Fingerprint = spec.Fingerprint,
            RegressionOfId = spec.RegressionOf,
            MaxRunMinutes = spec.MaxRunMinutes,
            BudgetUsd = spec.BudgetUsd,
            Owner = spec.Owner ?? actor.Name,
            CreatedBy = actor.Name,
            ModifiedBy = actor.Name,
            CreatedOn = now,
            FirstSeen = now,
            LastSeen = now,
            GithubIssueNumber = spec.GithubIssueNumber,
            GithubIssueUrl = spec.GithubIssueUrl,
            GithubIssueState = spec.GithubIssueNumber is null ? GitHubIssueState.None : GitHubIssueState.Synced,
        };
        item.SetPriority(spec.Priority, now);

        if (spec.DependsOn.Count > 0)
        {
            var ids = spec.DependsOn.Distinct().ToList();
            var dependencies = await db.WorkItems.Where(w => ids.Contains(w.Id)).ToListAsync(cancellationToken);
            var missing = ids.Except(dependencies.Select(d => d.Id)).ToList();
            if (missing.Count > 0)
            {
                throw RefusedException.BadRequest($"depends_on_ids: no task with id {string.Join(", ", missing)}");
            }

            if (CancelledDependencies.Refusal(dependencies) is { } refusal)
            {
                throw RefusedException.BadRequest(refusal);
            }

            item.DependsOn.AddRange(dependencies);
        }

        db.WorkItems.Add(item);
        TaskLog.Add(db, item, LogSeverity.Info, "created", $"Task created by {actor.Name}: {item.Kind.Wire()}, {item.Priority.Wire()}", actor, now);
        await ApplyCreationRulesAsync(db, item, now, cancellationToken);
        if (item.Priority == WorkItemPriority.Emergency)
        {
            await notifications.RaiseAsync(db, item, NotificationEvents.EmergencyCreated, $"created at emergency priority by {actor.Name}", now, cancellationToken, eventKey: "created");
        }

        return item;
    }

    /// <summary>
    /// Saves what <see cref="AddTaskAsync"/> (and the caller) added and wakes the engine at the new deadlines; once the caller's
    /// unit of work has committed, <see cref="AssignmentDispatcher.DispatchAsync"/> gives the new tasks to agents.
    /// </summary>
    public async Task CommitCreatedAsync(OpsDbContext db, IReadOnlyCollection<WorkItem> created, DateTime now, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        foreach (var due in created.Select(w => w.DueDate).OfType<DateTime>().Where(d => d > now && d < now.AddYears(10)).Distinct())
        {
            scheduler.WakeAt(due.AddSeconds(1));
        }
    }

    /// <summary>Active task_creation rules, lowest priority number first, each applied when its conditions match.</summary>
    private static async Task ApplyCreationRulesAsync(OpsDbContext db, WorkItem item, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var rule in await CreationRules.For(db)(db).ToListAsync(cancellationToken))
        {
            try
            {
                if (!RuleEvaluator.Matches(rule.TriggerConditions, item))
                {
                    continue;
                }

                var effect = RuleEvaluator.Effect(rule.Actions);
                effect.ApplyTo(item, now);
                EngineRules.Applied(db, item, [rule], effect.Describe(), now);
            }
            catch (System.Text.Json.JsonException)
            {
                // A rule stored before validation existed; it simply does not apply.
            }
        }
    }

    /// <summary>Compiled: every task created reads them, inside the write.</summary>
    private static readonly CompiledPerModel<Func<OpsDbContext, IAsyncEnumerable<OrchestrationRule>>> CreationRules = new(() =>
        EF.CompileAsyncQuery<OpsDbContext, OrchestrationRule>(db => db.Rules.AsNoTracking().Where(r => r.IsActive && r.Kind == RuleKind.TaskCreation)
            .OrderBy(r => r.Priority).ThenBy(r => r.Name)));

    /// <summary>A mask can be longer than the secret it hides; the title still fits its column.</summary>
    public static string RedactedTitle(string title)
    {
        var redacted = Redactor.Redact(title)!;
        return redacted.Length <= Features.WorkItems.WorkItemEndpoints.MaxTitle ? redacted : redacted[..(Features.WorkItems.WorkItemEndpoints.MaxTitle - 1)] + "…";
    }
}
