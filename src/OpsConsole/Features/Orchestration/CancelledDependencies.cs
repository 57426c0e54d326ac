using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// A task waits until every task it depends on has completed (as the original had it), so a cancelled dependency holds it
/// for good. Nobody would notice a task that quietly never starts: the waiting tasks are flagged for people when their
/// dependency is cancelled, and a new task may not depend on a cancelled one.
/// </summary>
internal static class CancelledDependencies
{
    /// <summary>Flags, in the cancelling write, the tasks still waiting on <paramref name="cancelled"/>, each with a log entry saying why.</summary>
    public static async Task FlagWaitingAsync(OpsDbContext db, WorkItem cancelled, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var id = cancelled.Id;
        var dependents = await db.WorkItems.Where(w => w.DependsOn.Any(d => d.Id == id)).ToListAsync(cancellationToken);
        foreach (var waiting in dependents.Where(w => w.Status.IsWaiting()))
        {
            var reason = $"Depends on '{cancelled.Title}', which was cancelled, so it cannot start; cancel it, or create it again without that dependency";
            waiting.FlagForPeople(reason, now);
            TaskLog.Add(db, waiting, LogSeverity.Warning, "dependency_cancelled", reason, actor, now);
        }
    }

    /// <summary>Why a new task may not depend on <paramref name="dependencies"/> (one of them is cancelled), or null.</summary>
    public static string? Refusal(IEnumerable<WorkItem> dependencies) =>
        dependencies.FirstOrDefault(d => d.Status == WorkItemStatus.Cancelled) is { } cancelled
            ? $"depends_on_ids: task {cancelled.Id} ('{cancelled.Title}') is cancelled, so a task that depends on it could never start"
            : null;
}
