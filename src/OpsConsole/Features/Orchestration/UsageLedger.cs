using System.Globalization;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// The usage agents report, inside the caller's unit of work: a record per report (its id held by the primary key, so a
/// report sent twice counts once), the task's cost summed on the task row (under its row version), and the budget enforced.
/// </summary>
public static class UsageLedger
{
    public const string BudgetExceeded = "budget exceeded";

    /// <summary>Records <paramref name="usage"/> on the task's running attempt; true when it put the task over its budget.</summary>
    public static bool Record(OpsDbContext db, WorkItem item, Assignment? attempt, UsageReport? usage, Guid? reportId, Actor actor, DateTime now)
    {
        if (usage is null || usage.IsEmpty)
        {
            return false;
        }

        db.UsageRecords.Add(new UsageRecord
        {
            Id = reportId ?? NewId.Next(),
            WorkItemId = item.Id,
            AssignmentId = attempt?.Id,
            AgentId = attempt?.AgentId ?? item.AssignedAgentId ?? actor.AgentId,
            InputTokens = usage.InputTokens ?? 0,
            OutputTokens = usage.OutputTokens ?? 0,
            CostUsd = usage.CostUsd ?? 0,
            Model = usage.Model,
            At = now,
        });
        return item.AddCost(usage.CostUsd ?? 0);
    }

    public static string Spent(WorkItem item) =>
        $"${item.CostUsd.ToString("0.######", CultureInfo.InvariantCulture)} spent of a ${item.BudgetUsd?.ToString("0.######", CultureInfo.InvariantCulture)} budget";

    /// <summary>
    /// The task went over its budget: the run is revoked (the agent hears TaskRevoked "budget exceeded" and its later reports are
    /// refused), the task fails with needs_attention and is not retried automatically: an operator decides.
    /// </summary>
    public static async Task ExceedBudgetAsync(
        OpsDbContext db, NotificationOutbox notifications, WorkItem item, Actor actor, DateTime now, CancellationToken cancellationToken, string? before = null)
    {
        var why = $"{before}{BudgetExceeded}: {Spent(item)}";
        if (await AgentHolds.HolderAsync(db, item, cancellationToken) is { } agent) // a progress report reads its task without the agent
        {
            await AgentHolds.EndHoldAsync(db, item, agent, BudgetExceeded, now, cancellationToken, errorMessage: why);
            item.AnnounceRevoked(agent.Id, BudgetExceeded);
        }

        OrchestrationEngine.Apply(() => item.Fail(why, now));
        item.DetachAgent(now);
        item.FlagForPeople($"{why}. No automatic retry: raise budget_usd and retry, or cancel", now);
        TaskLog.Add(db, item, LogSeverity.Critical, "budget_exceeded",
            $"Budget exceeded ({Spent(item)}): the run is revoked and the task failed; a person decides (no automatic retry)", actor, now);

        // One notification per attempt that went over (a report resent after it counts nothing more).
        await notifications.RaiseAsync(db, item, NotificationEvents.BudgetExceeded, $"Budget exceeded: {Spent(item)}", now, cancellationToken,
            eventKey: $"budget_exceeded:{item.Id}:{item.RetryCount}:{item.EscalationLevel}");
    }
}
