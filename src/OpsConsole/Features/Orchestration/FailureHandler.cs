using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Health;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// What happens to a task that failed: the failure policy retries it later (away from the agent that failed), escalates it,
/// or hands it to people. Inside the caller's unit of work; the caller saves, and has redacted the error already.
/// </summary>
public sealed class FailureHandler(
    IOptionsMonitor<OrchestrationOptions> options, EngineStatistics statistics, OpsMetrics metrics, IDueWorkScheduler scheduler, Random random,
    NotificationOutbox notifications)
{
    public async Task<FailureDecision> HandleAsync(
        OpsDbContext db, WorkItem item, string errorMessage, string? errorDetails, Actor actor, DateTime now, CancellationToken cancellationToken,
        string endReason = "failed")
    {
        var agent = item.AssignedAgent;
        var error = string.IsNullOrWhiteSpace(errorDetails) ? errorMessage : $"{errorMessage}\n\n{errorDetails}";
        OrchestrationEngine.Apply(() => item.Fail(error, now));
        statistics.FailureHandled();
        if (agent is not null)
        {
            agent.RecordOutcome(false, null, now);
            await AgentHolds.EndHoldAsync(db, item, agent, endReason, now, cancellationToken, errorMessage: error);
            item.DetachAgent(now);
        }

        TaskLog.Add(db, item, LogSeverity.Error, "failure", $"Task failed: {errorMessage}", actor, now,
            TaskLog.Serialize(new { retry_count = item.RetryCount, agent = agent?.Name }), agentId: agent?.Id);

        var rules = (await db.RuleBookAsync(cancellationToken)).FailureFor(item, options.CurrentValue.Backoff);
        if (rules.MaxRetries is { } maxRetries)
        {
            item.MaxRetries = maxRetries;
        }

        FailureDecision decision;
        lock (random)
        {
            // Random is not thread-safe, and writers now run in parallel (PostgreSQL).
            decision = FailurePolicy.Decide(item, rules, random);
        }

        EngineRules.Applied(db, item, rules.Rules, $"{rules.Describe()}: {decision.Reason}", now);

        switch (decision.Outcome)
        {
            case FailureOutcome.Retry:
                item.ScheduleRetry(decision.Delay, now);
                scheduler.WakeAt(item.NextAttemptAt!.Value);
                metrics.Retried(db, "automatic");
                TaskLog.Add(db, item, LogSeverity.Warning, "retry_scheduled",
                    $"Retry {item.RetryCount} of {item.MaxRetries} at {item.NextAttemptAt:u} (in {FailurePolicy.Humanize(decision.Delay)}){(agent is null ? "" : $", avoiding {agent.Name}")}",
                    Actor.Engine, now,
                    TaskLog.Serialize(new { retry_count = item.RetryCount, next_attempt_at = item.NextAttemptAt, delay_seconds = Math.Round(decision.Delay.TotalSeconds, 1) }));
                break;
            case FailureOutcome.Escalate:
                var before = item.Priority;
                item.Escalate(now);
                statistics.Escalated();
                metrics.Escalated(db, "retries_exhausted");
                TaskLog.Escalation(db, item, before,
                    $"Retries used up: escalated to level {item.EscalationLevel}, priority {before.Wire()} → {item.Priority.Wire()}, fresh retry budget", Actor.Engine, now);
                await notifications.RaiseAsync(db, item, NotificationEvents.Escalated, decision.Reason, now, cancellationToken);
                break;
            case FailureOutcome.Cancel:
                item.Cancel(now);
                TaskLog.Add(db, item, LogSeverity.Critical, "cancelled", $"Task cancelled: {decision.Reason}", Actor.Engine, now);
                await CancelledDependencies.FlagWaitingAsync(db, item, Actor.Engine, now, cancellationToken);
                await notifications.RaiseAsync(db, item, NotificationEvents.FailedFinal, decision.Reason, now, cancellationToken);
                break;
            default:
                item.FlagForPeople(decision.Reason, now);
                TaskLog.Add(db, item, LogSeverity.Critical, "needs_attention", $"Task stays failed: {decision.Reason}", Actor.Engine, now);
                await notifications.RaiseAsync(db, item, NotificationEvents.NeedsAttention, decision.Reason, now, cancellationToken);
                await notifications.RaiseAsync(db, item, NotificationEvents.FailedFinal, decision.Reason, now, cancellationToken);
                break;
        }

        return decision;
    }
}
