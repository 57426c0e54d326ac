using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Deployments;
using OpsConsole.Features.Orchestration;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Security;

namespace OpsConsole.Features.Rules;

public sealed record PreviewRuleDto(Guid Id, string Name, string RuleType, string Effect);

public sealed record PreviewTaskDto(
    string Title, string TaskType, string Priority, DateTime? DueDate, int MaxRetries, double? MaxRunMinutes, double? BudgetUsd, string? Environment);

public sealed record PreviewCandidateDto(Guid AgentId, string AgentName, double Score, PreviewFactorsDto Factors, bool Eligible, string Reason);

/// <summary>The factors that multiply to a candidate's score (efficiency and load penalty rounded to 4 places).</summary>
public sealed record PreviewFactorsDto(double Efficiency, double Capability, double PriorityBoost, double LoadPenalty, double Availability, double RuleBonus)
{
    public static PreviewFactorsDto From(ScoreFactors f) =>
        new(Math.Round(f.Efficiency, 4), f.Capability, f.PriorityBoost, Math.Round(f.LoadPenalty, 4), f.Availability, f.RuleBonus);
}

public sealed record PreviewAgentDto(Guid Id, string Name, double Score);

public sealed record PreviewIssueDto(string Title, string Body, IReadOnlyList<string> Labels, string? Assignee);

public sealed record PreviewPlanDto(double AfterSeconds, string Action, string Priority, IReadOnlyList<string> AgentPool, string Note);

/// <summary>The answer of POST preview/: what would happen, nothing of it written.</summary>
public sealed record PreviewDto(
    string Outcome, Guid? ExistingTaskId, string? Fingerprint, IReadOnlyList<PreviewRuleDto> Rules, PreviewTaskDto? Task,
    IReadOnlyList<PreviewCandidateDto> Candidates, PreviewAgentDto? Agent, PreviewIssueDto? GithubIssue, IReadOnlyList<PreviewPlanDto> Plan);

/// <summary>Task fields another change adds (run cap, budget): the preview shows them as sent or as rules set them.</summary>
public sealed record PreviewExtras(double? MaxRunMinutes, double? BudgetUsd);

/// <summary>
/// What would happen to a failure or a task, decided by the same code that creates and assigns it (task creation with its
/// rules, failure intake with dedup and maintenance windows, the engine's agent choice, the issue template), on a database
/// context that is never saved: no task, no audit row, no trigger count, no cursor, no outbox row, no GitHub call.
/// </summary>
public sealed class RulePreview(
    IDbContextFactory<OpsDbContext> dbFactory,
    TaskCreation creation,
    FailureIntake intake,
    GitHubOutbox outbox,
    IOptionsMonitor<GitHubOptions> github,
    IOptionsMonitor<OrchestrationOptions> orchestration,
    DeploymentSettings intakeSettings,
    AccessGuard guard,
    TimeProvider time)
{
    /// <summary>
    /// A preview asked for as POST preview/ asks (<c>{"failure": …}</c> or <c>{"task": …}</c>), read by the same reader: the
    /// Rules page's preview form. The preview, or the body's errors by field.
    /// </summary>
    public async Task<Checked<PreviewDto>> RunAsync(System.Text.Json.Nodes.JsonObject request, Actor actor, CancellationToken cancellationToken)
    {
        var body = JsonBody.From(request);
        return FormBodies.Of(body, await PreviewEndpoints.RunPreviewAsync(body, this, intakeSettings, actor, cancellationToken));
    }

    /// <summary>The last failures received, newest first: what the Rules page offers to preview a rule against.</summary>
    public async Task<List<FailureRecord>> RecentFailuresAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.FailureRecords.AsNoTracking().OrderByDescending(f => f.ReceivedAt).Take(take).ToListAsync(cancellationToken);
    }

    public async Task<PreviewDto> TaskAsync(NewWorkItem spec, PreviewExtras extras, Actor actor, CancellationToken cancellationToken)
    {
        await guard.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var item = await creation.AddTaskAsync(db, spec, actor, now, cancellationToken);
        return await DescribeAsync(db, item, "create", null, spec.Fingerprint, extras, now, cancellationToken);
    }

    public async Task<PreviewDto> FailureAsync(FailureReport report, PreviewExtras extras, Actor actor, CancellationToken cancellationToken)
    {
        await guard.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var (result, created) = await intake.DecideUnsavedAsync(db, report, actor, now, cancellationToken);
        if (created is not null)
        {
            return await DescribeAsync(db, created, "create", null, result.Fingerprint, extras, now, cancellationToken);
        }

        if (result.Outcome == Domain.IntakeOutcome.Suppressed)
        {
            var window = await db.Rules.AsNoTracking().Where(r => r.Name == result.MaintenanceWindow).ToListAsync(cancellationToken);
            return new PreviewDto("suppress", null, result.Fingerprint,
                [.. window.Select(r => new PreviewRuleDto(r.Id, r.Name, WireFormat.Of(r.Kind), "maintenance window: the failure is recorded, no task is created"))],
                null, [], null, null, []);
        }

        var existing = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstAsync(w => w.Id == result.TaskId, cancellationToken);
        return new PreviewDto("deduplicate", existing.Id, result.Fingerprint, [], TaskOf(existing, extras, existing.MaxRetries), [],
            existing.AssignedAgent is { } holder ? new PreviewAgentDto(holder.Id, holder.Name, 0) : null, null, []);
    }

    private async Task<PreviewDto> DescribeAsync(
        OpsDbContext db, WorkItem item, string outcome, Guid? existing, string? fingerprint, PreviewExtras extras, DateTime now, CancellationToken cancellationToken)
    {
        var book = await db.RuleBookAsync(cancellationToken);
        var agents = await db.Agents.Where(a => a.IsActive).ToListAsync(cancellationToken);
        var selection = book.SelectionFor(item);
        var failure = book.FailureFor(item, orchestration.CurrentValue.Backoff);
        var escalation = book.EscalationFor(item, orchestration.CurrentValue.BlockedEscalation);

        var rules = CreationRules(db, item).ToList();
        rules.AddRange(selection.Rules.Select(r => Rule(r, selection.Describe())));
        rules.AddRange(failure.Rules.Select(r => Rule(r, failure.Describe())));
        rules.AddRange(escalation.Rules.Select(r => Rule(r, Describe(escalation))));
        rules.AddRange(book.Matching(RuleKind.Notification, item).Select(r => Rule(r, "notifies on " + string.Join(", ", NotificationEvents(r)))));

        // The assignment pass's choice: the same rules and scorer over the same agents; a task that may not go yet has none.
        var choice = EngineRules.Choose(book, item, agents);
        var waits = !item.AutoAssign ? "auto_assign is off" : item.HasUnmetDependencies ? "it waits for its dependencies" : null;
        var chosen = waits is null ? choice.Agent : null;
        var candidates = agents.OrderByDescending(a => AgentScorer.Score(item, a, selection)).ThenBy(a => a.Name, StringComparer.Ordinal).Select(a =>
        {
            var factors = AgentScorer.Factors(item.Kind, item.Priority, a, selection);
            var (eligible, reason) = AgentScorer.Eligibility(item, a, selection);
            return new PreviewCandidateDto(a.Id, a.Name, Math.Round(factors.Score, 4), PreviewFactorsDto.From(factors), eligible,
                a == chosen ? "chosen" : waits is not null && eligible ? $"eligible, but {waits}" : reason);
        }).ToList();

        var pool = candidates.Where(c => c.Eligible || c.Reason.StartsWith("at capacity", StringComparison.Ordinal)).Select(c => c.AgentName).ToList();
        var plan = FailurePlan.IfEveryAttemptFails(item, failure, escalation, pool)
            .Select(p => new PreviewPlanDto(p.AfterSeconds, p.Action, p.Priority, p.AgentPool, p.Note)).ToList();

        PreviewIssueDto? issue = null;
        if (IssuePolicy.ShouldOpen(null, IssueFacts.Of(item), github.CurrentValue.Triggers) || item.GithubIssueState == GitHubIssueState.Local)
        {
            if (chosen is not null)
            {
                item.AssignTo(chosen, now); // as the issue is written when delivered: after the assignment (this context is never saved)
            }

            var draft = outbox.Draft(item);
            issue = new PreviewIssueDto(draft.Title, draft.Body, [.. draft.Labels.Select(l => l.Name)], draft.Assignee);
        }

        // Run cap and budget: as sent, else as the first task_creation rule that sets them.
        var creationActions = book.Resolve(RuleKind.TaskCreation, item);
        extras = new PreviewExtras(extras.MaxRunMinutes ?? creationActions.Number("max_run_minutes"), extras.BudgetUsd ?? creationActions.Number("max_cost_usd"));
        return new PreviewDto(outcome, existing, fingerprint, rules, TaskOf(item, extras, failure.MaxRetries ?? item.MaxRetries), candidates,
            chosen is null ? null : new PreviewAgentDto(chosen.Id, chosen.Name, Math.Round(choice.Score, 4)), issue, plan);
    }

    /// <summary>The task_creation rules as creation applied them (the timeline entries it added to this unsaved context).</summary>
    private static IEnumerable<PreviewRuleDto> CreationRules(OpsDbContext db, WorkItem item)
    {
        foreach (var entry in db.ChangeTracker.Entries<WorkItemLogEntry>().Select(e => e.Entity)
            .Where(l => l.WorkItemId == item.Id && l.StepName == EngineRules.TimelineStep).OrderBy(l => l.CreatedOn))
        {
            using var data = JsonDocument.Parse(entry.StepData);
            if (data.RootElement.TryGetProperty("rule_type", out var type) && type.GetString() != "task_creation")
            {
                continue;
            }

            var id = data.RootElement.TryGetProperty("rule_id", out var r) && r.TryGetGuid(out var g) ? g : Guid.Empty;
            var name = data.RootElement.TryGetProperty("rule", out var n) ? n.GetString() ?? "" : "";
            var effect = entry.Message[(entry.Message.IndexOf("applied: ", StringComparison.Ordinal) + "applied: ".Length)..];
            yield return new PreviewRuleDto(id, name, "task_creation", effect);
        }
    }

    private static PreviewRuleDto Rule(OrchestrationRule rule, string effect) => new(rule.Id, rule.Name, WireFormat.Of(rule.Kind), effect);

    private static IEnumerable<string> NotificationEvents(OrchestrationRule rule)
    {
        using var actions = JsonDocument.Parse(rule.Actions);
        return NotificationTarget.From(actions.RootElement)?.Events ?? [];
    }

    private static string Describe(EscalationRules e) => string.Join(", ", new[]
    {
        e.WaitingLimit is { } w ? $"escalates work waiting over {FailurePolicy.Humanize(w)}" : null,
        $"blocked after {FailurePolicy.Humanize(e.BlockedLimit)}",
        $"overdue at most every {FailurePolicy.Humanize(e.OverduePeriod)}",
    }.OfType<string>());

    private static PreviewTaskDto TaskOf(WorkItem item, PreviewExtras extras, int maxRetries) => new(
        item.Title, item.Kind.Wire(), item.Priority.Wire(), item.DueDate, maxRetries, (double?)item.MaxRunMinutes ?? extras.MaxRunMinutes, (double?)item.BudgetUsd ?? extras.BudgetUsd, item.Environment);
}
