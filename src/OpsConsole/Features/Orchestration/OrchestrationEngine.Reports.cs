using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>The holding agent's reports on a task: progress, complete and fail, each with the usage the run reported.</summary>
public sealed partial class OrchestrationEngine
{
    public async Task<WorkItemLogEntry> ProgressAsync(Guid taskId, ProgressReport report, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        report = report.Redacted();
        return await unitOfWork.WriteAsync(async (db, now) =>
        {
            var held = await AgentHolds.LoadWithoutAgentAsync(db, taskId, cancellationToken);
            var (item, attempt) = (held.Item, held.Attempt);
            if (report.Id is { } reportId && await db.LogEntries.FirstOrDefaultAsync(l => l.Id == reportId, cancellationToken) is { } earlier)
            {
                // A resent report (same client-supplied id) is answered with the entry it already made, never written twice.
                return earlier.WorkItemId == item.Id && earlier.AgentId == (actor.AgentId ?? earlier.AgentId)
                    ? earlier
                    : throw RefusedException.Conflict($"progress id {reportId} was already used for another report; send a new id for each report");
            }

            await AgentHolds.EnsureHolderAsync(db, item, actor, cancellationToken);
            if (!item.Status.IsActive() && item.Status is not (WorkItemStatus.Blocked or WorkItemStatus.Review))
            {
                throw RefusedException.Conflict($"progress can only be reported on a task in work; this one is {item.Status.Wire()}");
            }

            if (item.Status == WorkItemStatus.Assigned)
            {
                item.Start(now);
                WakeAtRunCap(item, now);
                attempt?.Accept(now);
            }

            item.NoteReport(now);
            attempt?.AppendOutput(report.Message);
            var entry = TaskLog.Add(db, item, LogSeverity.Info, report.Step ?? "progress", report.Message, actor, now, report.Data ?? "{}", report.Percent, entryId: report.Id, redacted: true);
            item.Touch(now);
            if (UsageLedger.Record(db, item, attempt, report.Usage, report.Id, actor, now))
            {
                await UsageLedger.ExceedBudgetAsync(db, notifications, item, actor, now, cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            return entry;
        }, cancellationToken);
    }

    public Task<WorkItem> CompleteAsync(Guid taskId, string? outputData, Actor actor, CancellationToken cancellationToken) =>
        CompleteAsync(taskId, outputData, null, actor, cancellationToken);

    /// <summary>The task is done, with what the run used; over budget or not, finished work is not undone.</summary>
    public async Task<WorkItem> CompleteAsync(Guid taskId, string? outputData, UsageReport? usage, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        outputData = Redactor.RedactJson(outputData);
        return await DispatchedAsync(async (db, now) =>
        {
            var held = await AgentHolds.LoadAsync(db, taskId, cancellationToken);
            var item = held.Item;
            if (await AgentHolds.AlreadyReportedAsync(db, item, actor, "completed", cancellationToken))
            {
                return item; // the completing agent resent its report: nothing changes, and it hears the same answer
            }

            await AgentHolds.EnsureHolderAsync(db, item, actor, cancellationToken);
            var agent = item.AssignedAgent;
            if (UsageLedger.Record(db, item, held.Attempt, usage, null, actor, now))
            {
                TaskLog.Add(db, item, LogSeverity.Warning, "budget_exceeded", $"Completed over budget: {UsageLedger.Spent(item)}", actor, now);
            }

            Apply(() => item.Complete(outputData, now));
            if (agent is not null)
            {
                agent.RecordOutcome(true, item.StartedAt is { } started ? now - started : null, now);
                AgentHolds.EndHold(held.Held, agent, "completed", now);
            }

            TaskLog.Add(db, item, LogSeverity.Info, "completed", $"Task completed by {actor.Name}", actor, now, outputData ?? "{}");
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    /// <summary>A failure reported by the agent (or a person): the failure policy retries, escalates or hands it to people.</summary>
    public Task<FailResult> FailAsync(Guid taskId, string errorMessage, string? errorDetails, Actor actor, CancellationToken cancellationToken) =>
        FailAsync(taskId, errorMessage, errorDetails, null, actor, cancellationToken);

    /// <summary>A failure with what the run used: when that puts the task over its budget, people decide instead of the failure policy.</summary>
    public async Task<FailResult> FailAsync(Guid taskId, string errorMessage, string? errorDetails, UsageReport? usage, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        errorMessage = Redactor.Redact(errorMessage)!;
        errorDetails = Redactor.RedactJson(errorDetails);
        return await DispatchedAsync(async (db, now) =>
        {
            var held = await AgentHolds.LoadAsync(db, taskId, cancellationToken);
            var item = held.Item;
            if (await AgentHolds.AlreadyReportedAsync(db, item, actor, "failed", cancellationToken))
            {
                // A resent failure: the first one was applied (retry scheduled or escalated); this one changes nothing.
                return new FailResult(item, new FailureDecision(FailureOutcome.Retry, TimeSpan.Zero, "this failure was already reported; nothing changed"));
            }

            await AgentHolds.EnsureHolderAsync(db, item, actor, cancellationToken);
            if (UsageLedger.Record(db, item, held.Attempt, usage, null, actor, now))
            {
                await UsageLedger.ExceedBudgetAsync(db, notifications, item, actor, now, cancellationToken, $"{errorMessage}; then ");
                await db.SaveChangesAsync(cancellationToken);
                return new FailResult(item, new FailureDecision(FailureOutcome.GiveUp, TimeSpan.Zero, $"budget exceeded ({UsageLedger.Spent(item)}): a person must decide"));
            }

            var decision = await failures.HandleAsync(db, item, errorMessage, errorDetails, actor, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return new FailResult(item, decision);
        }, cancellationToken);
    }
}
