using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Health;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Features.Deployments;

/// <summary>What became of one incoming failure (the failures endpoint's result item).</summary>
public sealed record IntakeResult(
    Guid? TaskId,
    bool Deduplicated,
    string Fingerprint,
    bool Suppressed,
    Guid? RegressionOf,
    string? MaintenanceWindow,
    int Occurrences,
    IntakeOutcome Outcome);

/// <summary>
/// Turns failures into tasks, exactly once per problem: redact, fingerprint, then in one unit of work either create the
/// task, add an occurrence to the open one, open a regression of a completed one, or (in a maintenance window) only record
/// it. Exactly once holds across processes: the database allows one open task per fingerprint. Every failure is kept as a
/// <see cref="FailureRecord"/>.
/// </summary>
public sealed class FailureIntake(UnitOfWork unitOfWork, TaskCreation creation, AssignmentDispatcher dispatcher, OpsMetrics metrics, ILogger<FailureIntake> logger)
{
    private const string SystemOwner = "orchestration_system";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly HashSet<(Guid, DateTime)> warnedRules = [];

    /// <summary>
    /// Ingests <paramref name="reports"/> in one transaction. <paramref name="alongside"/> runs first inside the same
    /// transaction (a webhook's replay check, the log cursor's advance); if it throws, nothing is stored.
    /// </summary>
    public async Task<IReadOnlyList<IntakeResult>> IngestAsync(
        IReadOnlyList<FailureReport> reports, Actor actor, CancellationToken cancellationToken, Func<OpsDbContext, DateTime, Task>? alongside = null)
    {
        var prepared = reports.Select(r => r.Redacted()).Select(r => (Report: r, Fingerprint: FailureFingerprint.Of(r))).ToList();
        var created = new List<WorkItem>();
        var results = await unitOfWork.WriteAsync(async (db, now) =>
        {
            created.Clear(); // a write that met a concurrent change runs again from the start
            if (alongside is not null)
            {
                await alongside(db, now);
            }

            var outcome = prepared.Count == 0 ? [] : await RecordAsync(db, now, prepared, actor, created, cancellationToken);
            if (created.Count > 0)
            {
                await creation.CommitCreatedAsync(db, created, now, cancellationToken);
            }
            else
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            return outcome;
        }, WriteLane.NewWork, cancellationToken);

        metrics.FailuresReceived(reports, results);
        foreach (var item in created)
        {
            DeploymentsLog.FailureBecameTask(logger, item.Id, item.Title, item.Priority.Wire(), item.Environment);
        }

        if (created.Count > 0)
        {
            await dispatcher.DispatchAsync();
        }

        return results;
    }

    /// <summary>
    /// What <see cref="IngestAsync"/> would make of <paramref name="report"/>, decided in <paramref name="db"/> and never saved:
    /// the preview's path (the same decision, on a context the caller throws away).
    /// </summary>
    public async Task<(IntakeResult Result, WorkItem? Created)> DecideUnsavedAsync(OpsDbContext db, FailureReport report, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var redacted = report.Redacted();
        var created = new List<WorkItem>();
        var results = await RecordAsync(db, now, [(redacted, FailureFingerprint.Of(redacted))], actor, created, cancellationToken);
        return (results[0], created.FirstOrDefault());
    }

    /// <summary>
    /// Decides what each report becomes (suppressed, a repeat, a new task or a regression) in <paramref name="db"/>, with a
    /// failure record for each and one occurrence line per repeated task, appended (a storm brings hundreds per request):
    /// the next save writes them after the tasks they point at.
    /// </summary>
    private async Task<List<IntakeResult>> RecordAsync(
        OpsDbContext db, DateTime now, List<(FailureReport Report, string Fingerprint)> prepared, Actor actor, List<WorkItem> created,
        CancellationToken cancellationToken)
    {
        var windows = await MaintenanceWindowsAsync(db, cancellationToken);

        // The latest task of each fingerprint: open ones get occurrences, completed ones regressions.
        var fingerprints = prepared.Select(p => p.Fingerprint).Distinct().ToList();
        var latest = (await db.WorkItems.Where(w => w.Fingerprint != null && fingerprints.Contains(w.Fingerprint)).ToListAsync(cancellationToken))
            .GroupBy(w => w.Fingerprint!)
            .ToDictionary(g => g.Key, g => g.MaxBy(w => w.CreatedOn)!);

        var results = new List<IntakeResult>(prepared.Count);
        var repeats = new Dictionary<Guid, (WorkItem Task, int Count, FailureReport Last)>();
        foreach (var (report, fingerprint) in prepared)
        {
            var severity = FailureDetector.Severity(report.ErrorMessage, report.Step);
            IntakeResult result;
            var (windowRule, window) = windows.FirstOrDefault(w => w.Window.Covers(report, now));
            if (window is not null)
            {
                db.RuleTriggered(windowRule.Id, now);
                result = new(null, false, fingerprint, true, null, window.Name, 0, IntakeOutcome.Suppressed);
            }
            else if (latest.TryGetValue(fingerprint, out var existing) && !existing.Status.IsTerminal())
            {
                // Repeats within one batch become one execution-log entry per task (a storm is not 10,000 log lines).
                var count = repeats.TryGetValue(existing.Id, out var seen) ? seen.Count + 1 : 1;
                repeats[existing.Id] = (existing, count, report);
                result = new(existing.Id, true, fingerprint, false, null, null, existing.Occurrences + count, IntakeOutcome.Deduplicated);
            }
            else
            {
                var plan = DeploymentFailureTemplate.For(report, fingerprint, now);
                var regressionOf = existing is { Status: WorkItemStatus.Completed } ? existing : null;
                var item = await creation.AddTaskAsync(db, new NewWorkItem
                {
                    Title = plan.Title,
                    Description = plan.Description,
                    Kind = WorkItemKind.Deployment,
                    Priority = plan.Priority,
                    DueDate = now + DeploymentFailureTemplate.DueIn,
                    EstimatedDuration = DeploymentFailureTemplate.Estimate,
                    InputData = plan.InputData,
                    Environment = report.Environment,
                    Source = report.Channel,
                    Fingerprint = fingerprint,
                    Owner = SystemOwner,
                    RegressionOf = regressionOf?.Id,

                    // One living issue: a regression reopens the issue of the task it regresses.
                    GithubIssueNumber = regressionOf?.GithubIssueNumber,
                    GithubIssueUrl = regressionOf?.GithubIssueUrl,
                }, actor, now, cancellationToken);
                TaskLog.Add(db, item, LogSeverity.Error, "detected",
                    $"{report.Environment} deployment failure from {report.Source}{(report.Origin is null ? "" : $" ({report.Origin})")}: {report.Reason}; severity {plan.Severity}",
                    actor, now, OccurrenceData(report), redacted: true);
                if (regressionOf is not null)
                {
                    TaskLog.Add(db, regressionOf, LogSeverity.Warning, "regression",
                        $"The problem came back after this task was completed: new task {item.Id}", actor, now,
                        JsonSerializer.Serialize(new { regression_task_id = item.Id }, Json));
                    TaskLog.Add(db, item, LogSeverity.Warning, "regression",
                        $"Regression of task {regressionOf.Id} ('{regressionOf.Title}'), completed {regressionOf.CompletedAt:u}", actor, now,
                        JsonSerializer.Serialize(new { regression_of = regressionOf.Id }, Json));
                }

                latest[fingerprint] = item;
                created.Add(item);
                result = new(item.Id, false, fingerprint, false, regressionOf?.Id, null, 1, regressionOf is null ? IntakeOutcome.Created : IntakeOutcome.Regression);
            }

            db.Append(new FailureRecord
            {
                ReceivedAt = now,
                OccurredAt = report.OccurredAt,
                Channel = report.Channel,
                ReportedSource = Cap(report.ReportedSource, 500),
                Environment = report.Environment,
                DeploymentId = report.DeploymentId,
                Fingerprint = fingerprint,
                Step = Cap(report.Step, 500) ?? "Unknown",
                ErrorMessage = Cap(report.ErrorMessage, 4000)!,
                Severity = severity,
                Outcome = result.Outcome,
                WorkItemId = result.TaskId,
                MaintenanceRuleId = window is null ? null : windowRule.Id,
                Origin = Cap(report.Origin, 500),
            });
            results.Add(result);
        }

        foreach (var (task, count, last) in repeats.Values)
        {
            TaskLog.RecordOccurrences(db, task, count, OneLine(last.ErrorMessage), OccurrenceData(last), actor, now, redacted: true);
        }

        return results;
    }

    private async Task<List<(OrchestrationRule Rule, MaintenanceWindow Window)>> MaintenanceWindowsAsync(OpsDbContext db, CancellationToken cancellationToken)
    {
        var rules = await db.Rules.AsNoTracking().Where(r => r.IsActive && r.Kind == RuleKind.Monitoring)
            .OrderBy(r => r.Priority).ThenBy(r => r.Name).ToListAsync(cancellationToken);
        var windows = new List<(OrchestrationRule, MaintenanceWindow)>();
        foreach (var rule in rules)
        {
            var window = MaintenanceWindow.From(rule.Id, rule.Name, rule.TriggerConditions, rule.Actions, out var problem);
            if (window is not null)
            {
                windows.Add((rule, window));
            }
            else if (problem is not null && warnedRules.Add((rule.Id, rule.ModifiedOn)))
            {
                DeploymentsLog.MaintenanceRuleIgnored(logger, rule.Name, problem);
            }
        }

        return windows;
    }

    private static string OccurrenceData(FailureReport report) => JsonSerializer.Serialize(new
    {
        channel = report.Channel,
        source = report.Source,
        origin = report.Origin,
        deployment_id = report.DeploymentId,
        environment = report.Environment,
        failed_step = report.Step,
        error_message = Cap(report.ErrorMessage, 2000),
        occurred_at = report.OccurredAt,
        url = report.Url,
    }, Json);

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    private static string? Cap(string? text, int max) => text is null || text.Length <= max ? text : text[..(max - 1)] + "…";
}
