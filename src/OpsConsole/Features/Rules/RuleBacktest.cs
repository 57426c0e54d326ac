using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.Rules;

public sealed record BacktestChangeDto(Guid TaskId, string Title, string Field, string? From, string? To);

public sealed record BacktestExampleDto(Guid TaskId, string Title, string Effect);

/// <summary>The answer of POST rules/backtest/.</summary>
public sealed record BacktestDto(int Evaluated, int Matched, IReadOnlyList<BacktestChangeDto> Changes, IReadOnlyList<BacktestExampleDto> Examples);

/// <summary>
/// Replays a draft rule over the most recent tasks (those created from failures included): which ones it matches, and what
/// it would have decided differently from the rules in force (priority, due date, retries, backoff, the agent chosen with
/// today's agents, escalation, notifications). The draft replaces the saved rule of the same name. Nothing is written.
/// </summary>
public sealed class RuleBacktest(IDbContextFactory<OpsDbContext> dbFactory, IOptionsMonitor<OrchestrationOptions> orchestration, AccessGuard guard, TimeProvider time)
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;
    public const int MaxChanges = 1000;
    public const int MaxExamples = 5;

    public async Task<BacktestDto> RunAsync(RuleSpec spec, int limit, ClaimsPrincipal by, CancellationToken cancellationToken)
    {
        await guard.DemandAsync(by, ApiRole.Admin, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var saved = await db.Rules.AsNoTracking().Where(r => r.IsActive).ToListAsync(cancellationToken);
        var existing = spec.Name is null ? null : await db.Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Name == spec.Name, cancellationToken);
        var draft = new OrchestrationRule
        {
            Name = spec.Name ?? "draft",
            Kind = spec.Kind ?? existing?.Kind ?? RuleKind.TaskCreation,
            TriggerConditions = spec.TriggerConditions ?? existing?.TriggerConditions ?? "{}",
            Actions = RuleSecrets.Keep(spec.Actions ?? existing?.Actions ?? "{}", existing?.Actions ?? "{}"),
            Priority = spec.Priority ?? existing?.Priority ?? 100,
            IsActive = true,
        };
        if (RuleValidation.Validate(draft.Kind, draft.TriggerConditions, draft.Actions).FirstOrDefault() is { Field: not null } problem)
        {
            throw RefusedException.BadRequest($"rule.{problem.Field}: {problem.Message}");
        }

        var before = new RuleBook(saved);
        var after = new RuleBook(saved.Where(r => r.Name != draft.Name).Append(draft));
        var agents = await db.Agents.AsNoTracking().Where(a => a.IsActive).ToListAsync(cancellationToken);
        var tasks = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent)
            .OrderByDescending(w => w.CreatedOn).Take(limit).ToListAsync(cancellationToken);

        var matched = 0;
        var changes = new List<BacktestChangeDto>();
        var examples = new List<BacktestExampleDto>();
        var settings = orchestration.CurrentValue;
        foreach (var task in tasks)
        {
            if (!after.Matching(draft.Kind, task).Contains(draft))
            {
                continue;
            }

            matched++;
            var found = Compare(draft, before, after, task, agents, settings, now).ToList();
            foreach (var (field, from, to) in found.Where(c => c.From != c.To).Take(MaxChanges - changes.Count))
            {
                changes.Add(new BacktestChangeDto(task.Id, task.Title, field, from, to));
            }

            if (examples.Count < MaxExamples)
            {
                var effect = found.Any(c => c.From != c.To)
                    ? string.Join("; ", found.Where(c => c.From != c.To).Select(c => $"{c.Field}: {c.From ?? "none"} → {c.To ?? "none"}"))
                    : "matches; decides nothing different from the rules in force";
                examples.Add(new BacktestExampleDto(task.Id, task.Title, effect));
            }
        }

        return new BacktestDto(tasks.Count, matched, changes, examples);
    }

    /// <summary>The decisions of one rule type for one task under the rules in force and with the draft: (field, from, to).</summary>
    private static IEnumerable<(string Field, string? From, string? To)> Compare(
        OrchestrationRule draft, RuleBook before, RuleBook after, WorkItem task, IReadOnlyList<Agent> agents, OrchestrationOptions settings, DateTime now)
    {
        switch (draft.Kind)
        {
            case RuleKind.TaskCreation:
                var effect = RuleEvaluator.Effect(draft.Actions);
                var priority = task.Priority;
                if (effect.SetPriority is { } set) priority = set;
                if (effect.MinPriority is { } min && priority < min) priority = min;
                yield return ("priority", task.Priority.Wire(), priority.Wire());
                if (effect.DueInMinutes is { } minutes)
                {
                    var due = task.CreatedOn.AddMinutes(minutes);
                    yield return ("due_date", task.DueDate?.ToString("u"), (task.DueDate is { } d && d < due ? d : due).ToString("u"));
                }

                if (effect.MaxRetries is { } retries) yield return ("max_retries", task.MaxRetries.ToString(), retries.ToString());
                if (effect.AutoAssign is { } auto) yield return ("auto_assign", Flag(task.AutoAssign), Flag(auto));
                if (effect.OpenIssue == true) yield return ("github_issue", task.GithubIssueState == GitHubIssueState.None ? "none" : "requested", "requested");
                break;
            case RuleKind.AgentSelection:
                yield return ("agent", EngineRules.Choose(before, task, agents).Agent?.Name, EngineRules.Choose(after, task, agents).Agent?.Name);
                break;
            case RuleKind.FailureHandling:
                var was = before.FailureFor(task, settings.Backoff);
                var will = after.FailureFor(task, settings.Backoff);
                yield return ("max_retries", (was.MaxRetries ?? task.MaxRetries).ToString(), (will.MaxRetries ?? task.MaxRetries).ToString());
                yield return ("retry_backoff", Backoff(was), Backoff(will));
                yield return ("on_exhausted", WireFormat.Of(was.OnExhausted), WireFormat.Of(will.OnExhausted));
                break;
            case RuleKind.TaskEscalation:
                var then = before.EscalationFor(task, settings.BlockedEscalation);
                var now2 = after.EscalationFor(task, settings.BlockedEscalation);
                yield return ("escalate_after", Minutes(then.WaitingLimit), Minutes(now2.WaitingLimit));
                yield return ("blocked_after", Minutes(then.BlockedLimit), Minutes(now2.BlockedLimit));
                yield return ("waiting_escalation", WaitedTooLong(task, then.WaitingLimit, now), WaitedTooLong(task, now2.WaitingLimit, now));
                break;
            case RuleKind.Notification:
                var wanted = EventsOf(task).Where(e => after.NotificationsFor(task, e).Any(n => n.Rule == draft)).ToList();
                yield return ("notifications", null, wanted.Count == 0 ? null : string.Join(", ", wanted));
                break;
        }
    }

    /// <summary>The notification events a task's history shows.</summary>
    private static IEnumerable<string> EventsOf(WorkItem task)
    {
        if (task.EscalationLevel > 0) yield return NotificationEvents.Escalated;
        if (task.NeedsAttention) yield return NotificationEvents.NeedsAttention;
        if (task.Status == WorkItemStatus.Failed && task.NeedsAttention) yield return NotificationEvents.FailedFinal;
        if (task.Priority == WorkItemPriority.Emergency && task.EscalationLevel == 0) yield return NotificationEvents.EmergencyCreated;
    }

    private static string? WaitedTooLong(WorkItem task, TimeSpan? limit, DateTime now)
    {
        if (limit is not { } l)
        {
            return null;
        }

        var waited = (task.StartedAt ?? (task.Status.IsTerminal() ? task.CompletedAt ?? now : now)) - task.CreatedOn;
        return waited >= l ? $"escalated after {FailurePolicy.Humanize(l)} (waited {FailurePolicy.Humanize(waited)})" : null;
    }

    private static string Flag(bool value) => value ? "true" : "false";

    private static string Backoff(FailureRules rules) => $"{rules.Backoff.Base.TotalSeconds:0}s–{rules.Backoff.Max.TotalSeconds:0}s";

    private static string? Minutes(TimeSpan? span) => span is { } s ? $"{s.TotalMinutes:0} min" : null;
}
